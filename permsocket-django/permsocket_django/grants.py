"""Effective grants and permission versions, always computed from a freshly loaded user.

Django caches permissions on the User instance (`_perm_cache`, `_user_perm_cache`,
`_group_perm_cache`); every function here loads the user again so a grant revoked a moment ago is
never still honoured.
"""
import functools
import json
import re
import time

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import F, Q

from . import conf
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
    contract = load_contract(conf.contract_path())
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
    """The primary key named by a user id (a key, or a token's `sub` as issued: `str(user.pk)`),
    or None when it names no possible user. Integer keys are canonical decimal within
    JavaScript's safe range ("01", "\u0661", "99999999999999999999", -1 and True name none);
    any other key type (a UUID, a string) must read back exactly as it was written."""
    field = get_user_model()._meta.pk
    if field.get_internal_type() in _INTEGER_KEYS:
        if isinstance(user_id, str):
            user_id = int(user_id) if USER_ID_PATTERN.fullmatch(user_id) else None
        elif not isinstance(user_id, int) or isinstance(user_id, bool):
            return None
        return user_id if user_id is not None and 1 <= user_id <= MAX_USER_ID else None
    if not isinstance(user_id, str):
        user_id = str(user_id) if user_id is not None and not isinstance(user_id, (bool, int, float)) else None
    if user_id is None or len(user_id) > 255:
        return None
    try:
        value = field.to_python(user_id)
    except Exception:  # ValidationError and whatever a custom field raises: no such user.
        return None
    return value if str(value) == user_id else None


_INTEGER_KEYS = ("AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField",
                 "SmallIntegerField", "PositiveIntegerField", "PositiveBigIntegerField", "PositiveSmallIntegerField")


def fresh_user(user_id):
    """The user as stored now, or None (also for an id that names no possible user); never a
    cached instance, so Django's permission caches on it are empty."""
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
    scoped = ScopedGrant.objects.filter(Q(user=user) | Q(group__user=user)).values_list(
        "permission__content_type__app_label", "permission__codename", "resource"
    )
    grants.update(f"{app}.{codename}@{resource}" for app, codename, resource in scoped)
    return sorted(grants)


def effective_grants(user):
    """What the client is told the user may do: nothing when inactive, `*` for a superuser, else
    what the configured authentication backends list (`user.get_all_permissions()`: ModelBackend's
    permissions, ScopedPermissionBackend's `perm@resource`, and any other backend's)."""
    if not user.is_active:
        return []
    if user.is_superuser:
        return [SUPERUSER_GRANT]
    return sorted(grant for grant in user.get_all_permissions() if isinstance(grant, str))


def sync_version(user, attempts=5):
    """Stores the user's current effective set, moving the version only when it differs from the
    last one stored. Returns (version, grants, changed, stamp), where `stamp` is the change
    counter read before the grants were (a change after that read moves it again).

    No row lock: the update only applies to the version it read (optimistic), and is retried
    when another process moved it first."""
    for attempt in range(attempts):
        try:
            row = PermissionVersion.objects.filter(user_id=user.pk).first()
            grants = effective_grants(user)
            encoded = json.dumps(grants)
            if row is None:
                with transaction.atomic():
                    row = PermissionVersion.objects.create(user_id=user.pk, grants=encoded)
                return row.version, grants, False, row.stamp
            if row.grants == encoded:
                return row.version, grants, False, row.stamp
            updated = PermissionVersion.objects.filter(user_id=user.pk, version=row.version).update(
                version=F("version") + 1, grants=encoded
            )
            if updated:
                return row.version + 1, grants, True, row.stamp
        except (OperationalError, IntegrityError):
            # SQLite refuses at once ("database is locked") a write whose snapshot another process
            # has moved past, and two first connections may create the row together; the next
            # attempt reads again.
            if attempt == attempts - 1:
                raise
        time.sleep(0.02 * (attempt + 1))
        user = fresh_user(user.pk) or user
    raise OperationalError("could not store the permission version")


def read_state(user_id):
    """(stamp, is_active) of a user, in one query, or None without a version row (or user).

    The hot path of every request: the SQL is built once from the models' metadata and run on a
    cursor, which costs a fraction of building the same query through a QuerySet each time."""
    sql = _state_sql()
    if sql is None:
        return PermissionVersion.objects.filter(user_id=user_id).values_list("stamp", "user__is_active").first()
    key = get_user_model()._meta.pk.get_db_prep_value(user_id, connection, prepared=False)
    with connection.cursor() as cursor:
        cursor.execute(sql, [key])
        row = cursor.fetchone()
    return None if row is None else (row[0], bool(row[1]))


@functools.lru_cache(maxsize=None)
def _state_sql():
    """SELECT stamp, is_active for one user, or None for a user model without an is_active
    column (the QuerySet path then reads what the model provides)."""
    user_meta = get_user_model()._meta
    try:
        active = user_meta.get_field("is_active")
    except Exception:
        return None
    if not getattr(active, "column", None):
        return None
    qn = connection.ops.quote_name
    version_meta = PermissionVersion._meta
    link = version_meta.get_field("user").column
    return (
        f"SELECT v.{qn(version_meta.get_field('stamp').column)}, u.{qn(active.column)} "
        f"FROM {qn(version_meta.db_table)} v INNER JOIN {qn(user_meta.db_table)} u "
        f"ON u.{qn(user_meta.pk.column)} = v.{qn(link)} WHERE v.{qn(link)} = %s"
    )


def bump_stamps(**user_filter):
    """Moves the change counter of the users matching `user_filter` (one UPDATE, no row read):
    every socket of theirs reloads its user at its next request."""
    PermissionVersion.objects.filter(**{f"user__{key}": value for key, value in user_filter.items()}).update(
        stamp=F("stamp") + 1
    )


def snapshot(user_id):
    """(user, version, grants, stamp) for a freshly loaded user, or (None, 0, [], None)."""
    user = fresh_user(user_id)
    if user is None:
        return None, 0, [], None
    version, grants, changed, stamp = sync_version(user)
    if changed:
        # Whoever notices a change first moves the version, and the fan-out that comes later then
        # finds nothing new: the user's other sockets learn of it from this push.
        from . import pushes

        pushes.push_perms(user.pk, version, grants)
    return user, version, grants, stamp
