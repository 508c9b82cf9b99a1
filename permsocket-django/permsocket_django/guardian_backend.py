"""django-guardian's per-object grants, to users and to groups (editable in the Django admin with
guardian's GuardedModelAdmin), as permsocket resources.

    AUTHENTICATION_BACKENDS = [
        "django.contrib.auth.backends.ModelBackend",
        "permsocket_django.guardian_backend.GuardianResourceBackend",   # instead of guardian's own
    ]

A guardian grant of `docs.publish_doc` on the Doc with key 7 is the permsocket grant
`docs.publish_doc@doc:7`: the client gets it in its grant list, and the contract resource
`doc:{id}` (a string) is checked against it as well as a Doc instance is.
"""
from django.db.models import Q

from .resources import resource_name

_CACHE = "_permsocket_guardian_cache"


def _guardian_resource(obj):
    """guardian keys a grant by model and primary key: `<model>:<pk>` for an instance."""
    meta = getattr(obj, "_meta", None)
    if meta is not None and getattr(obj, "pk", None) is not None:
        return f"{meta.model_name}:{obj.pk}"
    return resource_name(obj)


class GuardianResourceBackend:
    """Answers `has_perm(perm, obj)` from guardian's UserObjectPermission and
    GroupObjectPermission rows, for a model instance or a resource string `<model>:<pk>`, and
    lists them in `get_all_permissions()` as `perm@<model>:<pk>`. Read once per user instance
    (two queries), like ModelBackend's own cache."""

    def authenticate(self, request, **credentials):
        """Never authenticates: this backend only answers permission checks."""
        return None

    def _grants(self, user_obj):
        cached = getattr(user_obj, _CACHE, None)
        if cached is None:
            from guardian.models import GroupObjectPermission, UserObjectPermission

            fields = ("permission__content_type__app_label", "permission__codename", "content_type__model", "object_pk")
            rows = list(UserObjectPermission.objects.filter(user=user_obj).values_list(*fields))
            rows += GroupObjectPermission.objects.filter(Q(group__user=user_obj)).values_list(*fields)
            cached = frozenset(f"{app}.{codename}@{model}:{pk}" for app, codename, model, pk in rows)
            setattr(user_obj, _CACHE, cached)
        return cached

    def get_all_permissions(self, user_obj, obj=None):
        """The user's guardian grants as `perm@<model>:<pk>` (with obj=None)."""
        if obj is not None or not user_obj.is_active or user_obj.is_anonymous:
            return set()
        return set(self._grants(user_obj))

    def has_perm(self, user_obj, perm, obj=None):
        """Whether an active user holds `perm` on `obj` through guardian."""
        if obj is None or not user_obj.is_active or user_obj.is_anonymous:
            return False
        resource = _guardian_resource(obj)
        return resource is not None and f"{perm}@{resource}" in self._grants(user_obj)
