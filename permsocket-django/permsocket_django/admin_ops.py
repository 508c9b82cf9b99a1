"""Grant, group and activation changes, shared by the admin HTTP endpoints and the management
commands. Each one goes through the ORM, so the signals bump versions and push to sockets."""
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from .grants import SUPERUSER_GRANT, held_grants, is_valid_grant, parse_grant
from .models import ScopedGrant


class NotFound(LookupError):
    """An unknown user, group or permission."""


class Malformed(ValueError):
    """A grant that is not `*`, `app.codename` or `app.codename@resource`."""


def get_user(username):
    """The user called `username`; raises NotFound."""
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise NotFound(f'no user "{username[:150]}"')
    return user


def set_grant(user, grant, present):
    """Adds (present=True) or removes a direct grant. `*` is the superuser flag."""
    if not is_valid_grant(grant):
        raise Malformed(f'malformed grant "{grant[:255]}": expected "app_label.codename" or "app_label.codename@resource"')
    if grant == SUPERUSER_GRANT:
        if user.is_superuser != present:
            user.is_superuser = present
            user.save(update_fields=["is_superuser"])
        return
    try:
        permission, resource = parse_grant(grant)
    except LookupError:
        raise NotFound(f'no permission "{grant.partition("@")[0]}"') from None
    if resource is None:
        (user.user_permissions.add if present else user.user_permissions.remove)(permission)
    elif present:
        ScopedGrant.objects.get_or_create(user=user, permission=permission, resource=resource)
    else:
        # Deleted one by one (not a queryset delete) so post_delete fires for each.
        for scoped in ScopedGrant.objects.filter(user=user, permission=permission, resource=resource):
            scoped.delete()


def set_group(user, group_name, member):
    """Adds the user to, or removes them from, a group; raises NotFound for an unknown group."""
    group = Group.objects.filter(name=group_name).first()
    if group is None:
        raise NotFound(f'no group "{group_name[:150]}"')
    (user.groups.add if member else user.groups.remove)(group)


def set_active(user, active):
    """Activates or deactivates; deactivation revokes refresh tokens and closes sockets (signals)."""
    if user.is_active != active:
        user.is_active = active
        user.save(update_fields=["is_active"])


def user_summary(user):
    """{name, active, superuser, groups, grants}; an inactive user's grants are listed as held."""
    return {
        "name": user.get_username(),
        "active": user.is_active,
        "superuser": user.is_superuser,
        "groups": sorted(user.groups.values_list("name", flat=True)),
        "grants": held_grants(user),
    }
