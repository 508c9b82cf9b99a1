"""Resource names (`room:general`): what a contract action's resource template yields and what a
scoped grant (`chat.send_message@room:general`) names."""


class Resource(str):
    """A resource name such as `room:general`; a str subclass so it can be compared and stored,
    and a distinct type so backends know it is a permsocket resource and not a model instance."""

    __slots__ = ()


def resource_name(obj):
    """The resource string for what `has_perm(perm, obj)` was given: a string as it is; a model
    instance by its `permsocket_resource` (an attribute or a method) or else `<model>:<pk>`, so
    a `Room` whose primary key is "general" is `room:general` and a UUID key works as well."""
    if isinstance(obj, str):
        return str(obj)
    named = getattr(obj, "permsocket_resource", None)
    if callable(named):
        named = named()
    if isinstance(named, str):
        return named
    meta = getattr(obj, "_meta", None)
    if meta is not None and getattr(obj, "pk", None) is not None:
        return f"{meta.model_name}:{obj.pk}"
    return None
