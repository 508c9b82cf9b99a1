"""Effective grants and permission versions, always computed from a freshly loaded user.

Django caches permissions on the User instance (`_perm_cache`, `_user_perm_cache`,
`_group_perm_cache`); every function here loads the user again so a grant revoked a moment ago is
never still honoured.
"""
import functools
import json
import re
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import OperationalError, transaction
from django.db.models import Q

from .contract import load_contract
from .models import PermissionVersion, ScopedGrant

SUPERUSER_GRANT = "*"
# The same rule as isValidGrant in src/permissions.ts.
GRANT_PATTERN = re.compile(r"^[A-Za-z0-9_]+\.[A-Za-z0-9_]+(@[^\s@]+)?$")
# A user id in a token's `sub`: canonical decimal (no sign, no leading zero, ASCII digits only), at
# most 16 digits, as in the Node server. "01", "\u0661" and "+1" name no user.
USER_ID_PATTERN = re.compile(r"[1-9][0-9]{0,15}")
# The largest id either server can name (JavaScript's Number.MAX_SAFE_INTEGER).
MAX_USER_ID = 2**53 - 1


class UnknownPermission(LookupError):
    """A well-formed grant naming a permission outside the catalogue (grantable_permissions)."""


@functools.lru_cache(maxsize=None)
def grantable_permissions():
    """The permission catalogue a grant may name: the permissions the contract's actions need
    (chat.view_message, chat.send_message, chat.delete_message), the same catalogue the Node
    server seeds. Django's own permissions (auth.add_user, ...) are not grantable through
    permsocket, so a superuser cannot hand out Django admin rights by mistake or by a typo."""
    contract = load_contract(settings.PERMSOCKET["CONTRACT"])
    return frozenset(spec.permission for spec in contract.actions.values() if spec.permission)


def is_valid_grant(grant):
    """Whether `grant` is `*`, `app.codename` or `app.codename@resource` (at most 255 chars)."""
    return isinstance(grant, str) and len(grant) <= 255 and (grant == SUPERUSER_GRANT or bool(GRANT_PATTERN.match(grant)))


def parse_grant(grant):
    """Splits a valid non-`*` grant into (Permission, resource or None); raises UnknownPermission."""
    name, _, resource = grant.partition("@")
    if name not in grantable_permissions():
        raise UnknownPermission(name)
    app_label, _, codename = name.partition(".")
    permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
    if permission is None:
        raise UnknownPermission(name)
    return permission, resource or None


def canonical_user_id(user_id):
    """The int named by a user id (an int, or a token's `sub` in canonical decimal), or None
    when it names no possible user: "01", "\u0661", "99999999999999999999", -1, True."""
    if isinstance(user_id, str):
        user_id = int(user_id) if USER_ID_PATTERN.fullmatch(user_id) else None
    elif not isinstance(user_id, int) or isinstance(user_id, bool):
        return None
    return user_id if user_id is not None and 1 <= user_id <= MAX_USER_ID else None


def fresh_user(user_id):
    """The user as stored now, or None (also for an id that is not canonical or too large to
    store); never a cached instance."""
    pk = canonical_user_id(user_id)
    if pk is None:
        return None
    try:
        return get_user_model().objects.get(pk=pk)
    except (get_user_model().DoesNotExist, ValueError, TypeError, OverflowError):
        return None


def held_grants(user):
    """What the user holds whether or not they are active (the admin list shows it): `*` for a
    superuser, else the user's and groups' permissions plus scoped grants as `perm@resource`."""
    if user.is_superuser:
        return [SUPERUSER_GRANT]
    # The same rows ModelBackend.get_all_permissions reads, which answers nothing for an
    # inactive user.
    direct = Permission.objects.filter(Q(user=user) | Q(group__user=user)).values_list(
        "content_type__app_label", "codename"
    )
    grants = {f"{app}.{codename}" for app, codename in direct}
    scoped = ScopedGrant.objects.filter(user=user).values_list(
        "permission__content_type__app_label", "permission__codename", "resource"
    )
    grants.update(f"{app}.{codename}@{resource}" for app, codename, resource in scoped)
    return sorted(grants)


def effective_grants(user):
    """What the user may do now: nothing when inactive, else held_grants(user)."""
    return held_grants(user) if user.is_active else []


def sync_version(user, attempts=3):
    """Stores the user's current effective set, bumping the version when it differs from the last
    one stored. Returns (version, grants, changed)."""
    for attempt in range(attempts):
        try:
            return _sync_version(user)
        except OperationalError:
            # SQLite in WAL mode refuses at once ("database is locked") a write from a transaction
            # whose snapshot another process (a second node, a management command) has moved past.
            if attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))


def _sync_version(user):
    grants = effective_grants(user)
    encoded = json.dumps(grants)
    with transaction.atomic():
        row, created = PermissionVersion.objects.select_for_update().get_or_create(
            user=user, defaults={"grants": encoded}
        )
        if created or row.grants == encoded:
            return row.version, grants, False
        row.version += 1
        row.grants = encoded
        row.save(update_fields=["version", "grants"])
        return row.version, grants, True


def snapshot(user_id):
    """(user, version, grants) for a freshly loaded user, or (None, 0, []) when it is gone."""
    user = fresh_user(user_id)
    if user is None:
        return None, 0, []
    version, grants, _ = sync_version(user)
    return user, version, grants
