"""Admin building blocks: audited records are shown read-only; changes go through services."""

from __future__ import annotations

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Lists and shows records; no add, change or delete from the admin.

    Reads, grades, marks, assignments and audit events must change only through services,
    which validate and write the audit event; admin actions call those services.
    """

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
