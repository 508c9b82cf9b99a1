"""ASGI entry point: HTTP goes to Django's views, WebSockets on /ws to the chat consumer behind
an Origin check. Everything else on the WebSocket side is refused at the handshake."""
import logging
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

# Django must be set up before anything imports models (the consumer does).
django_http = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402
from django.conf import settings  # noqa: E402

from chat.consumers import ChatConsumer  # noqa: E402

from . import env  # noqa: E402

logger = logging.getLogger("permsocket")
chat_socket = ChatConsumer.as_asgi()


async def refuse_handshake(receive, send):
    """Answers the handshake with HTTP 403 and no upgrade (daphne turns a close before the accept
    into a 403)."""
    message = await receive()
    if message["type"] == "websocket.connect":
        await send({"type": "websocket.close"})


async def websocket_paths(scope, receive, send):
    """/ws is the socket; any other path is refused before the upgrade (HTTP 403) instead of the
    exception (and HTTP 500) an unmatched URLRouter raises."""
    if scope["path"] == "/ws":
        return await chat_socket(scope, receive, send)
    await refuse_handshake(receive, send)


def allowed_origins(scope):
    """ALLOWED_ORIGINS, or by default 127.0.0.1 and localhost on the port this socket was accepted
    on: the bound one, also when PORT=0 let the system pick it (as the Node server does)."""
    configured = settings.PERMSOCKET["ALLOWED_ORIGINS"]
    if configured:
        return configured
    server = scope.get("server")
    port = server[1] if server and len(server) > 1 and server[1] is not None else env.PORT
    return env.default_origins(port)


def origin_header(scope):
    """The Origin header as the client sent it, or None. Repeated headers are joined with ", " (as
    Node and autobahn do), so two Origin lines never equal one allowed origin."""
    values = [value.decode("latin1") for name, value in scope.get("headers", ()) if name.lower() == b"origin"]
    return ", ".join(values) if values else None


class ExactOriginValidator:
    """Upgrades only when the Origin header equals an allowed origin exactly, as a string: no URL
    parsing, so a path, user info, a query or another letter case is not the listed origin.
    Channels' OriginValidator matches parsed scheme/host/port and let such near misses through.
    A missing or unlisted Origin is refused at the handshake (HTTP 403, no upgrade): a browser page
    on another site cannot ride on the user's cookies or network position."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        origin = origin_header(scope)
        if not origin or origin not in allowed_origins(scope):
            client = scope.get("client")
            # The Origin itself is not logged: it is the client's text and might carry a token.
            logger.info("ws.refused_origin ip=%s status=403", client[0] if client else "-")
            return await refuse_handshake(receive, send)
        return await self.application(scope, receive, send)


application = ProtocolTypeRouter(
    {
        "http": django_http,
        "websocket": ExactOriginValidator(websocket_paths),
    }
)
