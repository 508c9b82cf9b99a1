"""The object handed to `has_perm` for a resource named by the contract (`room:general`)."""


class Resource(str):
    """A resource name such as `room:general`; a str subclass so it can be compared and stored,
    and a distinct type so backends know it is a permsocket resource and not a model instance."""

    __slots__ = ()
