"""Scoped grants in the Django admin, beside users, groups and their permissions."""
from django.contrib import admin

from .models import ScopedGrant


@admin.register(ScopedGrant)
class ScopedGrantAdmin(admin.ModelAdmin):
    """`perm@resource` grants to one user; saving or deleting one pushes to the user's sockets."""

    list_display = ("user", "permission", "resource")
    list_filter = ("permission",)
    search_fields = ("resource",)
    autocomplete_fields = ()
    raw_id_fields = ("user",)
