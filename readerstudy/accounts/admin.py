from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from readerstudy.accounts.models import Membership, User

admin.site.register(User, UserAdmin)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["study", "user", "role", "created_at"]
    list_filter = ["role", "study"]
