"""The websocket side of a project's ASGI application: the socket path behind an exact Origin
check, everything else refused at the handshake.

    # asgi.py (the consumer by dotted path: it is imported once Django is set up)
    from django.core.asgi import get_asgi_application
    from permsocket_django.routing import permsocket_application
    application = permsocket_application(get_asgi_application(), "chat.consumers.ChatConsumer")
"""
import logging

from channels.routing import ProtocolTypeRouter
from django.utils.module_loading import import_string

from . import conf

logger = logging.getLogger("permsocket")


async def refuse_handshake(receive, send):
    """Answers the handshake with HTTP 403 and no upgrade (a close before the accept)."""
    message = await receive()
    if message["type"] == "websocket.connect":
        await send({"type": "websocket.close"})


def origin_header(scope):
    """The Origin header as the client sent it, or None. Repeated headers are joined with ", " (as
    Node and autobahn do), so two Origin lines never equal one allowed origin."""
    values = [value.decode("latin1") for name, value in scope.get("headers", ()) if name.lower() == b"origin"]
    return ", ".join(values) if values else None


class ExactOriginValidator:
    """Upgrades only when the Origin header equals an allowed origin (PERMSOCKET
    ["ALLOWED_ORIGINS"]) exactly, as a string: no URL parsing, so a path, user info, a query or
    another letter case is not the listed origin (Channels' OriginValidator matches parsed
    scheme/host/port and lets such near misses through). A missing or unlisted Origin is refused
    at the handshake (HTTP 403, no upgrade): a page on another site cannot open a socket with the
    user's cookies or network position."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        origin = origin_header(scope)
        if not origin or origin not in conf.allowed_origins(scope):
            client = scope.get("client")
            # The Origin itself is not logged: it is the client's text and might carry a token.
            logger.info("ws.refused_origin ip=%s status=403", client[0] if client else "-")
            return await refuse_handshake(receive, send)
        return await self.application(scope, receive, send)


def websocket_application(consumer, path="/ws"):
    """`consumer` (a PermsocketConsumer subclass, its dotted path, or an ASGI app) on `path`,
    Origin-checked; any other path is refused with HTTP 403 instead of the exception (and HTTP
    500) of an unmatched URLRouter."""
    if isinstance(consumer, str):
        # Imported here, after get_asgi_application() has set Django up (models need it).
        consumer = import_string(consumer)
    socket = consumer.as_asgi() if hasattr(consumer, "as_asgi") else consumer

    async def paths(scope, receive, send):
        if scope["path"] == path:
            return await socket(scope, receive, send)
        return await refuse_handshake(receive, send)

    return ExactOriginValidator(paths)


def permsocket_application(http, consumer, path="/ws"):
    """The project's whole ASGI application: `http` (Django's, from get_asgi_application()) and
    the socket."""
    return ProtocolTypeRouter({"http": http, "websocket": websocket_application(consumer, path)})
