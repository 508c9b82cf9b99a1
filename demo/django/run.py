#!/usr/bin/env python3
"""Starts the Django Channels reference server: migrates and seeds on first start, caps the
WebSocket frame size at the transport and lets consumers close with 1003/1009, then serves HTTP
and WebSockets with daphne.

Configuration is by environment (HOST, PORT, JWT_SECRET, ACCESS_TOKEN_TTL, ALLOWED_ORIGINS,
DATABASE, REDIS_URL, RATE_LIMIT, AUTH_TIMEOUT, LOGIN_RATE_LIMIT, SECURE_COOKIES, TRUST_PROXY), as
for the Node server; see config/env.py.
"""
import os
import sys
from pathlib import Path

MAX_FRAME_BYTES = 64 * 1024


def tune_protocol_options():
    """daphne 4.0 sets no payload limit (a 48 MiB frame is accepted and buffered), so every
    WebSocketFactory it makes also gets autobahn's frame and message caps; bigger frames are
    closed with 1009 before they are read into memory. The close handshake gets more time too."""
    from daphne.ws_protocol import WebSocketFactory

    original = WebSocketFactory.setProtocolOptions

    def set_protocol_options(self, *args, **kwargs):
        kwargs.setdefault("maxFramePayloadSize", MAX_FRAME_BYTES)
        kwargs.setdefault("maxMessagePayloadSize", MAX_FRAME_BYTES)
        # Send the 1009 close frame instead of dropping the TCP connection (the client would see 1006).
        kwargs.setdefault("failByDrop", False)
        # autobahn resets the TCP connection (RST) when the client's close reply takes longer than
        # this (1 s by default); a busy client that has not read our close frame yet loses it with
        # the reset and sees 1006 instead of our 4xxx code.
        kwargs.setdefault("closeHandshakeTimeout", 5)
        return original(self, *args, **kwargs)

    WebSocketFactory.setProtocolOptions = set_protocol_options


def allow_protocol_close_codes():
    """autobahn's sendClose only takes 1000 and 3000-4999, so a consumer's close(1003) for a
    binary frame or close(1009) for an oversize one raised inside daphne. Those two go out
    through the lower-level sendCloseFrame, which autobahn itself uses for protocol errors."""
    from daphne.ws_protocol import WebSocketProtocol

    original = WebSocketProtocol.serverClose

    def server_close(self, code=None):
        if code in (1003, 1009):
            self.sendCloseFrame(code=code, isReply=False)
        else:
            original(self, code)

    WebSocketProtocol.serverClose = server_close


def refuse_bad_origins_with_403():
    """The Origin allowlist is checked by config.asgi (exact string equality, HTTP 403), but
    autobahn looks at the header first and fails the handshake with HTTP 400 when it does not
    parse as a URL with a host (an empty or a bare-word Origin) or appears twice. The Node server
    answers 403 for all of these (an Origin that is not on the allowlist), so these go out as 403
    too, without echoing the client's text in the status line."""
    from daphne.ws_protocol import WebSocketProtocol

    original = WebSocketProtocol.failHandshake

    def fail_handshake(self, reason, code=400, responseHeaders=None):
        if code == 400 and str(reason).startswith("HTTP Origin header"):
            return original(self, "Forbidden", 403, responseHeaders)
        return original(self, reason, code, responseHeaders)

    WebSocketProtocol.failHandshake = fail_handshake


def prepare_database():
    """Creates the tables and the reference data the first time (both are no-ops afterwards)."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("seed")


def serve(host, port):
    """Runs daphne until SIGTERM/SIGINT."""
    from daphne.endpoints import build_endpoint_description_strings
    from daphne.server import Server

    from config.asgi import application

    def ready():
        # The port actually bound (PORT=0 lets the system pick one), as the Node server reports it;
        # test factories and scripts read it from this line. daphne's TCP listen has completed by
        # now: the endpoint listens synchronously and records each address in listen_success.
        bound = server.listening_addresses[0][1] if server.listening_addresses else port
        shown = f"[{host}]" if ":" in host else host
        print(f"listening on http://{shown}:{bound}", flush=True)

    server = Server(
        application=application,
        endpoints=build_endpoint_description_strings(host=host, port=port),
        ready_callable=ready,
        # Pings keep idle proxies from dropping the socket; the protocol has its own ping too.
        ping_interval=20,
        ping_timeout=30,
        # The socket lives as long as its token allows; daphne's own 24 h cap must not cut it.
        websocket_timeout=-1,
        application_close_timeout=5,
        verbosity=0,
    )
    close_sockets_on_shutdown(server)
    server.run()


def close_sockets_on_shutdown(server):
    """On SIGTERM/SIGINT, tells every open socket 1001 (going away) so clients reconnect at once,
    as the Node server does; daphne alone drops them and clients see 1006."""
    from daphne.ws_protocol import WebSocketProtocol
    from twisted.internet import reactor, task

    def going_away():
        for protocol in list(getattr(server, "connections", {})):
            if isinstance(protocol, WebSocketProtocol) and protocol.state == WebSocketProtocol.STATE_OPEN:
                protocol.sendCloseFrame(code=1001, isReply=False)
        # A moment for the close frames to leave before the reactor stops.
        return task.deferLater(reactor, 0.2, lambda: None)

    reactor.addSystemEventTrigger("before", "shutdown", going_away)


def main():
    """Reads the environment, prepares the database and serves."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from config import env

    prepare_database()
    tune_protocol_options()
    allow_protocol_close_codes()
    refuse_bad_origins_with_403()
    serve(env.HOST, env.PORT)


if __name__ == "__main__":
    main()
