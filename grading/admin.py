from django.contrib import admin

from grading.models import CaseTruth, Grade, GradingProtocol, Mark, Read, ReportRun
from readerstudy.admin_helpers import ReadOnlyAdmin


class GradeInline(admin.TabularInline):
    model = Grade
    extra = 0
    can_delete = False
    readonly_fields = ["site", "grade", "not_assessable_reason", "probabilities", "detection_score"]

    def has_add_permission(self, request, obj=None):
        return False


class MarkInline(GradeInline):
    model = Mark
    readonly_fields = [
        "site",
        "kind",
        "sop_instance_uid",
        "frame",
        "image_xy",
        "box_xyxy",
        "patient_lps",
    ]


@admin.register(Read)
class ReadAdmin(ReadOnlyAdmin):
    list_display = ["id", "assignment", "status", "opened_at", "submitted_at", "amendment_count"]
    list_filter = ["status", "assignment__session__study"]
    inlines = [GradeInline, MarkInline]


@admin.register(Grade)
class GradeAdmin(ReadOnlyAdmin):
    list_display = ["read", "site", "grade"]


@admin.register(Mark)
class MarkAdmin(ReadOnlyAdmin):
    list_display = ["read", "site", "kind", "frame"]


@admin.register(CaseTruth)
class CaseTruthAdmin(ReadOnlyAdmin):
    list_display = ["case", "site", "grade", "source"]


@admin.register(GradingProtocol)
class GradingProtocolAdmin(ReadOnlyAdmin):
    list_display = ["name", "template", "created_at"]


@admin.register(ReportRun)
class ReportRunAdmin(ReadOnlyAdmin):
    list_display = ["id", "study", "status", "seed", "bootstrap", "created_at", "seconds"]
    list_filter = ["status", "study"]
