from django.contrib import admin, messages

from readerstudy.admin_helpers import ReadOnlyAdmin
from readerstudy.api_errors import ApplicationError
from readerstudy.audit.services import Actor
from readerstudy.studies import services
from readerstudy.studies.models import Assignment, Case, Reader, ReadingSession, Study, StudyState


def _transition(to_state):
    def action(modeladmin, request, queryset):
        for study in queryset:
            try:
                services.study_transition(
                    actor=Actor(user=request.user), study=study, to_state=to_state
                )
            except ApplicationError as exc:
                modeladmin.message_user(request, f"{study}: {exc.message}", messages.ERROR)
            else:
                modeladmin.message_user(request, f"{study}: now {to_state}.")

    action.__name__ = f"make_{to_state}"
    action.short_description = f"Move selected studies to “{to_state}” (audited)"
    return action


@admin.register(Study)
class StudyAdmin(ReadOnlyAdmin):
    list_display = ["slug", "name", "state", "reference_reader", "created_at"]
    actions = [_transition(StudyState.OPEN), _transition(StudyState.LOCKED)]

    def has_change_permission(self, request, obj=None):
        # Actions need change permission on the list; the form itself stays read-only.
        return obj is None and request.user.is_superuser


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["code", "study", "case_set", "created_at"]
    list_filter = ["study", "case_set"]


@admin.register(Reader)
class ReaderAdmin(ReadOnlyAdmin):
    list_display = ["name", "study", "kind", "model_version"]


@admin.register(ReadingSession)
class ReadingSessionAdmin(ReadOnlyAdmin):
    list_display = ["study", "number", "arm", "opens_at"]


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ["code", "session", "reader", "case", "position"]
    list_filter = ["session__study", "session__number"]
