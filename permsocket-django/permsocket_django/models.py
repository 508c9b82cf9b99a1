"""Models permsocket adds beside django.contrib.auth."""
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import models


class ScopedGrant(models.Model):
    """An object-level grant: `permission` on one resource only (`chat.send_message@room:general`),
    to one user or to every member of one group; editable in the Django admin.

    Django's ModelBackend has no object permissions; ScopedPermissionBackend reads this table.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scoped_grants", null=True, blank=True
    )
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="scoped_grants", null=True, blank=True)
    permission = models.ForeignKey(Permission, on_delete=models.CASCADE)
    resource = models.CharField(max_length=255, help_text="what the grant covers, such as room:general or doc:<id>")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "permission", "resource"], name="unique_scoped_grant"),
            models.UniqueConstraint(fields=["group", "permission", "resource"], name="unique_group_scoped_grant"),
            models.CheckConstraint(
                check=models.Q(user__isnull=False, group__isnull=True) | models.Q(user__isnull=True, group__isnull=False),
                name="scoped_grant_to_a_user_or_a_group",
            ),
        ]

    def __str__(self):
        return f"{self.permission.content_type.app_label}.{self.permission.codename}@{self.resource}"


class PermissionVersion(models.Model):
    """A per-user counter that only grows, bumped whenever the user's effective grants change.

    `grants` keeps the last effective set (JSON) so a change that leaves the set as it was (a
    grant already held, a group adding nothing new) bumps nothing and pushes nothing.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="permission_version"
    )
    version = models.PositiveBigIntegerField(default=1)
    grants = models.TextField(default="[]")
    # Bumped (one UPDATE, in the changing transaction) by anything that may change the user's
    # permissions; `version` moves later, and only when the effective set really changed.
    stamp = models.PositiveBigIntegerField(default=0)


class RefreshToken(models.Model):
    """One refresh cookie, stored as a SHA-256 hash. Rotation keeps the `family`; presenting a
    rotated-out cookie again revokes the whole family (it was stolen or replayed)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="refresh_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    family = models.CharField(max_length=32, db_index=True)
    expires_at = models.DateTimeField()
    rotated = models.BooleanField(default=False)
    revoked = models.BooleanField(default=False)
