from django.contrib import admin

from readerstudy.admin_helpers import ReadOnlyAdmin
from readerstudy.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_label", "action", "object_type", "object_id", "study"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_label", "object_id", "reason"]
