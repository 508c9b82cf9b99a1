"""Scoped grants in the Django admin, beside users, groups and their permissions."""
from django.contrib import admin

from .models import ScopedGrant


@admin.register(ScopedGrant)
class ScopedGrantAdmin(admin.ModelAdmin):
    """`perm@resource` grants to one user or one group; saving or deleting one pushes the new
    grants to the sockets of the user, or of every member of the group."""

    list_display = ("permission", "resource", "user", "group")
    list_filter = ("permission", "group")
    search_fields = ("resource",)
    raw_id_fields = ("user",)
