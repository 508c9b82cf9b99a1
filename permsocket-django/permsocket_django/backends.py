"""An authentication backend that answers object-level `has_perm(perm, obj)` for scoped grants."""
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q

from .models import ScopedGrant

from .resources import resource_name

_CACHE = "_permsocket_scoped_cache"


class ScopedPermissionBackend:
    """Answers `user.has_perm("chat.send_message", obj)` where `obj` is a resource string
    (`"room:general"`) or a model instance (named by resources.resource_name).

    Django's ModelBackend returns False for every check that passes an object, so without this a
    user with the global `chat.send_message` would be refused on every room. Here a global grant
    covers every resource and a ScopedGrant (to the user or to one of the user's groups) only its own. Inactive users get nothing (superusers
    are answered by User.has_perm before any backend is asked). The scoped grants are read once
    per user instance, like ModelBackend's own cache: load the user again to see a change.
    """

    def authenticate(self, request, **credentials):
        """Never authenticates: this backend only answers permission checks."""
        return None

    def _scoped(self, user_obj):
        cached = getattr(user_obj, _CACHE, None)
        if cached is None:
            # The user's own and those of the user's groups, in one query.
            rows = ScopedGrant.objects.filter(Q(user=user_obj) | Q(group__user=user_obj)).values_list(
                "permission__content_type__app_label", "permission__codename", "resource"
            )
            cached = frozenset(f"{app}.{codename}@{resource}" for app, codename, resource in rows)
            setattr(user_obj, _CACHE, cached)
        return cached

    def get_all_permissions(self, user_obj, obj=None):
        """The user's scoped grants as `perm@resource` strings (with obj=None), so that
        `user.get_all_permissions()` lists what the client needs to know."""
        if obj is not None or not user_obj.is_active or user_obj.is_anonymous:
            return set()
        return set(self._scoped(user_obj))

    def has_perm(self, user_obj, perm, obj=None):
        """Whether an active user holds `perm` globally or scoped to the resource `obj`."""
        if obj is None or not user_obj.is_active or user_obj.is_anonymous:
            return False
        if perm in ModelBackend().get_all_permissions(user_obj):
            return True
        resource = resource_name(obj)
        return resource is not None and f"{perm}@{resource}" in self._scoped(user_obj)
