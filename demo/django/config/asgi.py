"""ASGI entry point: HTTP goes to Django's views, WebSockets on /ws to the chat consumer behind
an Origin check. Everything else on the WebSocket side is refused at the handshake."""
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

# Django must be set up before anything imports models (the consumer does).
django_http = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402
from channels.security.websocket import OriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from chat.consumers import ChatConsumer  # noqa: E402

chat_socket = ChatConsumer.as_asgi()


async def websocket_paths(scope, receive, send):
    """/ws is the socket; any other path is refused before the upgrade (HTTP 403) instead of the
    exception (and HTTP 500) an unmatched URLRouter raises."""
    if scope["path"] == "/ws":
        return await chat_socket(scope, receive, send)
    message = await receive()
    if message["type"] == "websocket.connect":
        await send({"type": "websocket.close"})


application = ProtocolTypeRouter(
    {
        "http": django_http,
        # A missing or unlisted Origin is refused at the handshake (HTTP 403, no upgrade): a
        # browser page on another site cannot ride on the user's cookies or network position.
        "websocket": OriginValidator(websocket_paths, settings.PERMSOCKET["ALLOWED_ORIGINS"]),
    }
)
