"""What daphne 4.0 (autobahn) needs for this protocol, applied when the app loads, so plain
`daphne project.asgi:application` works with no launcher of its own. Each patch is applied once
and only when daphne is installed; under uvicorn (wsproto or websockets) nothing is needed: the
consumer checks each frame's size and those servers send 1003 and 1009 as asked.

- a frame-size cap at the transport (daphne has none: a 48 MiB frame was read into memory), with
  a 1009 close frame rather than a dropped connection;
- close codes 1003 and 1009 from the consumer (autobahn's sendClose refuses them and raised);
- 5 s for the client's close reply (autobahn resets the TCP connection after 1 s, and a busy
  client then loses the close code);
- an Origin header autobahn cannot parse (empty, a bare word, sent twice) gets the same HTTP 403
  as any unlisted Origin instead of autobahn's 400;
- on shutdown, open sockets get 1001 (going away) instead of a dropped connection (1006).
"""
import logging

from . import conf

logger = logging.getLogger("permsocket")
_applied = False


def apply():
    """Patches daphne if it is importable; a no-op afterwards or without daphne."""
    global _applied
    if _applied:
        return
    try:
        from daphne.server import Server
        from daphne.ws_protocol import WebSocketFactory, WebSocketProtocol
    except ImportError:
        return
    _applied = True
    _cap_frames(WebSocketFactory)
    _allow_protocol_close_codes(WebSocketProtocol)
    _refuse_bad_origins_with_403(WebSocketProtocol)
    _going_away_on_shutdown(Server, WebSocketProtocol)


def _cap_frames(factory):
    original = factory.setProtocolOptions

    def set_protocol_options(self, *args, **kwargs):
        limit = conf.max_frame_bytes()
        kwargs.setdefault("maxFramePayloadSize", limit)
        kwargs.setdefault("maxMessagePayloadSize", limit)
        kwargs.setdefault("failByDrop", False)
        kwargs.setdefault("closeHandshakeTimeout", 5)
        return original(self, *args, **kwargs)

    factory.setProtocolOptions = set_protocol_options


def _allow_protocol_close_codes(protocol):
    original = protocol.serverClose

    def server_close(self, code=None):
        if code in (1003, 1009):
            # The lower-level call autobahn itself uses for protocol errors.
            self.sendCloseFrame(code=code, isReply=False)
        else:
            original(self, code)

    protocol.serverClose = server_close


def _refuse_bad_origins_with_403(protocol):
    original = protocol.failHandshake

    def fail_handshake(self, reason, code=400, responseHeaders=None):
        if code == 400 and str(reason).startswith("HTTP Origin header"):
            # Without echoing the client's text in the status line.
            return original(self, "Forbidden", 403, responseHeaders)
        return original(self, reason, code, responseHeaders)

    protocol.failHandshake = fail_handshake


def _going_away_on_shutdown(server_class, protocol):
    original = server_class.run

    def run(self):
        from twisted.internet import reactor, task

        def going_away():
            for connection in list(getattr(self, "connections", {})):
                if isinstance(connection, protocol) and connection.state == protocol.STATE_OPEN:
                    connection.sendCloseFrame(code=1001, isReply=False)
            # A moment for the close frames to leave before the reactor stops.
            return task.deferLater(reactor, 0.2, lambda: None)

        reactor.addSystemEventTrigger("before", "shutdown", going_away)
        return original(self)

    server_class.run = run
