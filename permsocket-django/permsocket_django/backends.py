"""An authentication backend that answers object-level `has_perm(perm, obj)` for scoped grants."""
from django.contrib.auth.backends import ModelBackend

from .resources import Resource


class ScopedPermissionBackend:
    """Answers `user.has_perm("chat.send_message", Resource("room:general"))`.

    Django's ModelBackend returns False for every check that passes an object, so without this a
    user with the global `chat.send_message` would be refused on every room. Here a global grant
    covers every resource and a ScopedGrant only its own. Inactive users get nothing (superusers
    are answered by User.has_perm before any backend is asked).
    """

    def authenticate(self, request, **credentials):
        """Never authenticates: this backend only answers permission checks."""
        return None

    def has_perm(self, user_obj, perm, obj=None):
        """Whether an active user holds `perm` globally or scoped to the resource `obj`."""
        if obj is None or not user_obj.is_active or not isinstance(obj, Resource):
            return False
        if perm in ModelBackend().get_all_permissions(user_obj):
            return True
        try:
            str(obj).encode("utf-8")
        except UnicodeEncodeError:
            # A lone surrogate (from a JSON escape) names no stored resource, and the database
            # driver would raise on it.
            return False
        app_label, _, codename = perm.partition(".")
        return user_obj.scoped_grants.filter(
            permission__content_type__app_label=app_label,
            permission__codename=codename,
            resource=str(obj),
        ).exists()
