"""PermsocketConsumer: the permsocket protocol on a Channels AsyncWebsocketConsumer.

A project subclasses it, points `contract` at its contract.json, and implements `validate` and
`perform`; authentication, the permission check, pushes, limits and closes are done here.
"""
import asyncio
import json
import logging
import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from . import pushes
from .frames import SUBPROTOCOL, FrameError, parse_client_frame
from .grants import snapshot
from .ratelimit import TokenBucket
from .resources import Resource
from .tokens import decode_access_token

logger = logging.getLogger("permsocket")

# How long a socket reuses its answer to "may this user see this event?" when no `perms` push came
# in between. A change made through the ORM pushes `perms`, which forgets the answers at once; this
# bounds how stale they can get after a change that bypassed signals (QuerySet.update, raw SQL).
EVENT_CHECK_MAX_AGE = 1.0


class ActionError(Exception):
    """Raised by `perform` to answer a request with `res` error `code` (`not_found`, ...)."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


class PermsocketConsumer(AsyncWebsocketConsumer):
    """The permsocket protocol, v1. Subclasses set `contract` (a permsocket_django.contract.Contract)
    and implement `validate(action, payload)` and `perform(spec, payload, user)`."""

    contract = None

    # -- what a subclass provides ------------------------------------------------------------

    def validate(self, action, payload):
        """Returns a message saying what is wrong with the payload, or None when it is good."""
        raise TypeError(f"{type(self).__name__} must define validate(action, payload)")

    async def perform(self, spec, payload, user):
        """Carries out an allowed action for `user` (freshly loaded) and returns its `data`.
        Raise ActionError for a refusal such as `not_found`."""
        raise TypeError(f"{type(self).__name__} must define perform(spec, payload, user)")

    # -- connection lifecycle -----------------------------------------------------------------

    async def connect(self):
        """Accepts first, always: closing before accept() is an HTTP 403 and the client only sees
        1006, never the reason. Without the subprotocol the client gets an error frame and 4406."""
        config = settings.PERMSOCKET
        self.closing = False
        self.user_id = None
        self.sent_version = -1
        self.session_exp = 0
        # (permission, resource) -> allowed, for events; see EVENT_CHECK_MAX_AGE.
        self.event_checks = {}
        self.event_checks_at = 0.0
        self.in_flight = set()
        self.tasks = set()
        self.joined = []
        self.expiry_timer = None
        rate = config["RATE_LIMIT"]
        self.bucket = TokenBucket(*rate) if rate else None
        if SUBPROTOCOL in self.scope.get("subprotocols", ()):
            await self.accept(SUBPROTOCOL)
            self.auth_timer = self._later(config["AUTH_TIMEOUT"], self._auth_timeout)
        else:
            self.auth_timer = None
            await self.accept()
            await self.fail(4406, "unsupported_protocol", f"the client must offer the subprotocol {SUBPROTOCOL}")

    async def disconnect(self, code):
        """Stops timers and request tasks and leaves the channel-layer groups."""
        self.closing = True
        self._cancel_timers()
        for task in list(self.tasks):
            task.cancel()
        for group in self.joined:
            try:
                await self.channel_layer.group_discard(group, self.channel_name)
            except Exception:
                logger.warning("could not leave group %s", group)

    async def websocket_receive(self, message):
        """Every frame comes through here; nothing a client sends may crash the consumer (an
        exception would make daphne close with 1011)."""
        try:
            await self._on_frame(message.get("text"), message.get("bytes"))
        except Exception:
            logger.exception("unexpected error while handling a frame")

    # -- sending and closing --------------------------------------------------------------------

    async def send_frame(self, frame):
        """Sends one frame unless the connection is closing. ensure_ascii keeps lone surrogates
        from a client's JSON escapes sendable."""
        if not self.closing:
            await self.send(text_data=json.dumps(frame, separators=(",", ":")))

    async def fail(self, code, error_code, message, **extra):
        """Sends the `error` frame, then closes with `code`: channels 4.0 cannot send a close reason."""
        if self.closing:
            return
        # Marked first so a concurrent task cannot send a second error frame or anything after it.
        self.closing = True
        self._cancel_timers()
        frame = {"type": "error", "error": {"code": error_code, "message": message, **extra}}
        await self.send(text_data=json.dumps(frame, separators=(",", ":")))
        await self.close(code)

    def _later(self, delay, coroutine_function):
        loop = asyncio.get_running_loop()
        return loop.call_later(max(0.0, delay), lambda: self._spawn(coroutine_function()))

    def _spawn(self, coroutine):
        task = asyncio.ensure_future(self._guarded(coroutine))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    @staticmethod
    async def _guarded(coroutine):
        """Timers and requests run as tasks: an error there is logged, never left unretrieved."""
        try:
            await coroutine
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("unexpected error in a connection task")

    async def dispatch(self, message):
        """Channel-layer messages (pushes, events) must not crash the consumer either: an exception
        here would make daphne close the socket with 1011."""
        if message.get("type", "").startswith("permsocket."):
            try:
                await super().dispatch(message)
            except Exception:
                logger.exception("unexpected error handling %s", message.get("type"))
        else:
            await super().dispatch(message)

    def _cancel_timers(self):
        for timer in (getattr(self, "auth_timer", None), getattr(self, "expiry_timer", None)):
            if timer is not None:
                timer.cancel()

    async def _auth_timeout(self):
        if self.user_id is None:
            await self.fail(4408, "auth_timeout", "no auth frame within the auth timeout")

    async def _token_expired(self):
        await self.fail(4401, "unauthenticated", "the access token expired")

    def _expire_at(self, exp):
        if self.expiry_timer is not None:
            self.expiry_timer.cancel()
        self.expiry_timer = self._later(exp - time.time(), self._token_expired)

    # -- frames -----------------------------------------------------------------------------------

    async def _on_frame(self, text, data):
        if self.closing:
            return
        if self.bucket is not None and not self.bucket.take():
            retry = self.bucket.retry_after_ms()
            await self.fail(4429, "rate_limited", "too many frames", retryAfterMs=retry)
            return
        if text is None:
            if data is not None:
                await self.fail(1003, "bad_request", "binary frames are not supported")
            else:
                await self.fail(4400, "bad_request", "expected a text frame")
            return
        try:
            frame = parse_client_frame(text)
        except FrameError as error:
            await self.fail(error.code, error.error_code, error.message)
            return
        kind = frame["type"]
        if self.user_id is None:
            if kind != "auth":
                await self.fail(4401, "unauthenticated", f'expected "auth" first, got "{kind}"')
            else:
                await self._authenticate(frame["token"])
            return
        if kind == "auth":
            await self.fail(4400, "bad_request", "already authenticated; use auth.refresh")
        elif kind == "auth.refresh":
            await self._refresh(frame["token"])
        elif kind == "ping":
            await self.send_frame({"type": "pong"})
        else:
            await self._accept_request(frame)

    async def _verified(self, token):
        """Verifies a token and loads its user fresh: (claims, user, version, grants), or None after
        closing with 4401. A token naming no user is as invalid as a badly signed one."""
        claims = decode_access_token(token)
        if claims is None:
            await self.fail(4401, "unauthenticated", "invalid or expired token")
            return None
        user, version, grants = await database_sync_to_async(snapshot)(claims["sub"])
        if self.closing:
            return None
        if user is None:
            await self.fail(4401, "unauthenticated", "unknown user")
            return None
        return claims, user, version, grants

    async def _authenticate(self, token):
        # The auth timer runs until auth.ok: a verification that fails without closing (an error
        # reading the user, say) still ends in 4408 instead of an open, unauthenticated socket.
        verified = await self._verified(token)
        if verified is None:
            return
        claims, user, version, grants = verified
        if not user.is_active:
            await self.fail(4403, "forbidden", "the user is inactive")
            return
        if self.auth_timer is not None:
            self.auth_timer.cancel()
        self.user_id = user.pk
        await self._join_groups()
        self.session_exp = claims["exp"]
        self._expire_at(self.session_exp)
        await self._auth_ok(user, self.session_exp, version, grants)

    async def _refresh(self, token):
        verified = await self._verified(token)
        if verified is None:
            return
        claims, user, version, grants = verified
        # Only a real other user is 4403; an unknown one was a 4401 above.
        if user.pk != self.user_id:
            await self.fail(4403, "forbidden", "auth.refresh with a token of another user")
            return
        if not user.is_active:
            await self.fail(4403, "forbidden", "the user is inactive")
            return
        # A refresh never shortens the session (an older token of the same user is still valid).
        self.session_exp = max(self.session_exp, claims["exp"])
        self._expire_at(self.session_exp)
        self.event_checks = {}
        # Channel layers forget a group member after group_expiry (a day by default); every open
        # socket refreshes within one token lifetime, so joining again here keeps it a member.
        await self._join_groups()
        await self._auth_ok(user, self.session_exp, version, grants)

    async def _join_groups(self):
        for group in (pushes.user_group(self.user_id), pushes.BROADCAST_GROUP):
            await self.channel_layer.group_add(group, self.channel_name)
            if group not in self.joined:
                self.joined.append(group)

    async def _auth_ok(self, user, exp, version, grants):
        await self.send_frame(
            {
                "type": "auth.ok",
                "user": {"id": str(user.pk), "name": user.get_username()},
                "exp": exp,
                "now": int(time.time() * 1000),
                "perms": {"version": version, "grants": grants},
            }
        )
        self.sent_version = version

    # -- requests ---------------------------------------------------------------------------------

    async def _accept_request(self, frame):
        request_id = frame["id"]
        if request_id in self.in_flight:
            await self.fail(4400, "bad_request", f'request id "{request_id}" is already in flight')
            return
        action = frame.get("action")
        if not isinstance(action, str) or not action:
            await self._reply_error(request_id, "bad_request", "\"req\" expects 'action' to be a non-empty string")
            return
        self.in_flight.add(request_id)
        # Requests run concurrently, so a slow one does not hold up pings, refreshes or pushes.
        self._spawn(self._run_request(request_id, action, frame.get("payload")))

    async def _reply_error(self, request_id, code, message, **extra):
        await self.send_frame({"type": "res", "id": request_id, "ok": False, "error": {"code": code, "message": message, **extra}})

    async def _run_request(self, request_id, action, payload):
        try:
            await self._handle_request(request_id, action, payload)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("request %s failed", action[:64])
            await self._reply_error(request_id, "internal", "internal server error")
        finally:
            self.in_flight.discard(request_id)

    async def _handle_request(self, request_id, action, payload):
        spec = self.contract.actions.get(action)
        if spec is None:
            await self._reply_error(request_id, "unknown_action", f'unknown action "{action[:64]}"')
            return
        problem = self.validate(action, payload)
        if problem:
            await self._reply_error(request_id, "bad_request", problem)
            return
        resource = spec.resource_for(payload)
        user, version, grants, allowed = await database_sync_to_async(self._check)(spec.permission, resource)
        if self.closing:
            return
        if user is None or not user.is_active:
            await self.fail(4403, "forbidden", "the user is inactive")
            return
        if not allowed:
            if version > self.sent_version:
                # The client's snapshot is older than the refusal: it gets the new one first.
                await self.send_frame({"type": "perms", "version": version, "grants": grants})
                self.sent_version = version
            extra = {"permission": spec.permission}
            if resource is not None:
                extra["resource"] = resource
            await self._reply_error(request_id, "permission_denied", f"{spec.permission} is required", **extra)
            return
        try:
            data = await self.perform(spec, payload, user)
        except ActionError as error:
            await self._reply_error(request_id, error.code, error.message)
            return
        await self.send_frame({"type": "res", "id": request_id, "ok": True, "data": data})

    def _check(self, permission, resource):
        """Loads the user afresh (no _perm_cache from an earlier check) and asks has_perm."""
        user, version, grants = snapshot(self.user_id)
        if user is None or not user.is_active:
            return user, version, grants, False
        if permission is None:
            return user, version, grants, True
        allowed = user.has_perm(permission, Resource(resource) if resource is not None else None)
        return user, version, grants, allowed

    # -- channel-layer messages ------------------------------------------------------------------

    async def permsocket_perms(self, message):
        """The user's grants changed somewhere: send the current snapshot if it is newer."""
        self.event_checks = {}
        if self.user_id is None or self.closing or message.get("version", 0) <= self.sent_version:
            return
        try:
            user, version, grants = await database_sync_to_async(snapshot)(self.user_id)
        except Exception:
            logger.exception("could not read permissions for a push")
            return
        if user is not None and version > self.sent_version:
            await self.send_frame({"type": "perms", "version": version, "grants": grants})
            self.sent_version = version

    async def permsocket_deactivated(self, message):
        """The user was deactivated or deleted: 4403 on every socket."""
        if self.user_id is not None:
            await self.fail(4403, "forbidden", "the user was deactivated")

    async def permsocket_event(self, message):
        """A contract event: forwarded when this socket's user may see it.

        Events are many and every database call waits for Channels' one database thread, so a
        socket reuses its answer per (permission, resource) until a `perms` push or
        EVENT_CHECK_MAX_AGE. Checking each event afresh let a chat burst back the socket's channel
        up until the layer dropped messages, a deactivation among them."""
        if self.user_id is None or self.closing:
            return
        key = (message.get("permission"), message.get("resource"))
        now = time.monotonic()
        if now - self.event_checks_at > EVENT_CHECK_MAX_AGE:
            self.event_checks = {}
            self.event_checks_at = now
        allowed = self.event_checks.get(key)
        if allowed is None:
            try:
                user, version, grants, allowed = await database_sync_to_async(self._check)(*key)
            except Exception:
                logger.exception("could not check an event's permission")
                return
            if self.closing:
                return
            if user is None or not user.is_active:
                await self.fail(4403, "forbidden", "the user is inactive")
                return
            if version > self.sent_version:
                await self.send_frame({"type": "perms", "version": version, "grants": grants})
                self.sent_version = version
            self.event_checks[key] = allowed
        if allowed:
            await self.send_frame({"type": "event", "name": message["name"], "data": message["data"]})
