"""PermsocketConsumer: the permsocket protocol on a Channels AsyncWebsocketConsumer.

A project subclasses it and writes one method per contract action:

    class ChatConsumer(PermsocketConsumer):
        subscriptions = ["room:general"]            # resources whose events this socket hears

        @action("chat.send")
        async def send_message(self, payload):      # runs only after validation and has_perm
            ...
            await self.publish("chat.message", {...}, resource="room:general", permission="chat.view_message")
            return {"message": ...}

Authentication (the `auth` frame), payload validation from the contract's JSON Schema, the
permission check through Django's backends, pushes, limits and closes are done here; after
`auth`, `self.scope["user"]` is the signed-in user, so Channels code and mixins keep working.
"""
import asyncio
import functools
import inspect
import json
import logging
import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured

from . import conf, keys, pushes
from .contract import Contract, load_contract
from .frames import SUBPROTOCOL, FrameError, parse_client_frame
from .grants import read_state, snapshot
from .ratelimit import TokenBucket
from .request_context import RequestContext
from .resources import Resource
from .tokens import decode_access_token

logger = logging.getLogger("permsocket")
_ACTION = "_permsocket_action"


class ActionError(Exception):
    """Raised by an action method to answer with `res` error `code` (`not_found`, ...)."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def action(name):
    """Marks a consumer method as the handler of the contract action `name`. The method gets
    the validated payload and returns the `res` data; it may be `async def` or a plain `def`
    (run in Channels' database thread, so it may use the ORM directly). A method with a second
    parameter (`def send(self, payload, ctx)`) also gets a RequestContext, whose `key` it stores
    with a durable effect."""

    def mark(method):
        setattr(method, _ACTION, name)
        return method

    return mark


def _takes_context(method):
    """Whether an action method has a parameter for the RequestContext after the payload."""
    try:
        parameters = list(inspect.signature(method).parameters.values())
    except (TypeError, ValueError):
        return False
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    # self, payload, ctx (the method is read from the class, so unbound)
    return len(positional) >= 3 or any(p.kind == p.VAR_POSITIONAL for p in parameters)


def _with_context(method, context, payload):
    return method(payload, context)


class PermsocketConsumer(AsyncWebsocketConsumer):
    """The permsocket protocol, v1.

    Class attributes: `contract` (a path or a Contract; default PERMSOCKET["CONTRACT"]),
    `subscriptions` (resource names, or a method returning them, whose events the socket
    receives), `key_window` (where keyed answers are kept; default `keys.window()` from the
    settings), `trust_event_order` (None, the default: whether events_follow_changes()). Every contract action needs an `@action` method, and the request-key settings
    must be valid, both checked when the class is made.
    """

    contract = None
    subscriptions = ()
    # Whether a cached event answer may be trusted until a `permsocket.stale` or `perms` message
    # says otherwise; None: only with InMemoryChannelLayer (see events_follow_changes).
    trust_event_order = None
    actions = {}
    key_window = None
    # Action name -> whether its method takes a RequestContext.
    wants_context = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        handlers = {}
        for klass in reversed(cls.__mro__):
            for attribute, value in vars(klass).items():
                name = getattr(value, _ACTION, None)
                if name is not None:
                    handlers[name] = attribute
        cls.actions = handlers
        cls.wants_context = {name: _takes_context(getattr(cls, attribute)) for name, attribute in handlers.items()}
        if handlers:
            # A wrong setting stops daphne here, not at the first keyed request.
            conf.request_keys()
            contract = cls.get_contract()
            unknown = sorted(set(handlers) - set(contract.actions))
            missing = sorted(set(contract.actions) - set(handlers))
            if unknown or missing:
                raise ImproperlyConfigured(
                    f"{cls.__name__} does not match the contract: "
                    + "; ".join(filter(None, [unknown and f"no such action {unknown}", missing and f"no @action for {missing}"]))
                )

    @classmethod
    def get_contract(cls):
        """The Contract this consumer serves."""
        if isinstance(cls.contract, Contract):
            return cls.contract
        path = cls.contract if cls.contract is not None else conf.contract_path()
        if path is None:
            raise ImproperlyConfigured("PERMSOCKET['CONTRACT'] is missing (see `manage.py check`)")
        try:
            return load_contract(path)
        except (OSError, ValueError) as error:
            raise ImproperlyConfigured(f"the contract cannot be used: {error}") from None

    def events_follow_changes(self):
        """Whether a permission change's `permsocket.stale` message is sure to reach this socket
        before any event published after the change returned, so an event answer kept since the
        last one is still true and costs no query. True for InMemoryChannelLayer (one process, one
        FIFO queue per channel). False for any other layer: channels_redis orders a channel's
        messages by the wall clock of the process that sent each, and two server nodes' clocks
        may differ by more than the time between a change and the next event; there every
        event with a permission reads the user's change counter first (one query) and reuses
        the kept answer only when the counter has not moved. Set `trust_event_order` to decide."""
        if self.trust_event_order is not None:
            return bool(self.trust_event_order)
        from channels.layers import InMemoryChannelLayer

        return isinstance(self.channel_layer, InMemoryChannelLayer)

    def get_key_window(self):
        """Where this consumer's keyed answers are kept: `key_window` when set, else the
        process's window from the settings."""
        return self.key_window if self.key_window is not None else keys.window()

    def get_subscriptions(self):
        """The resources whose events this socket receives (the user's permission is checked
        per event); override for resources that depend on the user."""
        value = self.subscriptions
        # A method (or a function set on the class) arrives bound to this socket.
        return list(value() if callable(value) else value)

    async def publish(self, name, data, resource, permission=None):
        """Sends a contract event to every socket listening to `resource` whose user holds
        `permission` on it (None: every listener)."""
        await self.channel_layer.group_send(
            pushes.resource_group(resource), pushes.event_message(name, data, resource, permission)
        )

    async def database(self, function, *args, **kwargs):
        """Runs a synchronous function (ORM calls) in Channels' database thread."""
        return await database_sync_to_async(function)(*args, **kwargs)

    async def listen(self, resource):
        """Starts receiving the events of `resource` on this socket."""
        group = pushes.resource_group(resource)
        await self.channel_layer.group_add(group, self.channel_name)
        if group not in self.joined:
            self.joined.append(group)

    @property
    def user(self):
        """The signed-in user as last loaded (AnonymousUser before `auth`)."""
        return self.scope.get("user") or AnonymousUser()

    # -- connection lifecycle -----------------------------------------------------------------

    async def connect(self):
        """Accepts first, always: closing before accept() is an HTTP 403 and the client only sees
        1006, never the reason. Without the subprotocol the client gets an error frame and 4406."""
        pushes.remember_server_loop()
        self.closing = False
        self.user_id = None
        self.stamp = None
        self.version = 0
        self.grants = []
        self.sent_version = -1
        self.session_exp = 0
        # (permission, resource) -> allowed, for events, valid until the user is reloaded or a
        # `permsocket.stale` message arrives.
        self.event_checks = {}
        # Moved by every `permsocket.stale`: a reload that began before it must not be kept.
        self.generation = 0
        self.events_ordered = self.events_follow_changes()
        self.in_flight = set()
        self.batch = []
        self.batch_running = False
        self.tasks = set()
        self.joined = []
        self.expiry_timer = None
        self.scope["user"] = AnonymousUser()
        self.max_frame_bytes = conf.max_frame_bytes()
        self.keys_enabled = conf.request_keys().enabled
        rate = conf.rate_limit()
        self.bucket = TokenBucket(*rate) if rate else None
        if SUBPROTOCOL in self.scope.get("subprotocols", ()):
            await self.accept(SUBPROTOCOL)
            self.auth_timer = self._later(conf.auth_timeout(), self._auth_timeout)
        else:
            self.auth_timer = None
            await self.accept()
            await self.fail(4406, "unsupported_protocol", f"the client must offer the subprotocol {SUBPROTOCOL}")

    async def disconnect(self, code):
        """Stops timers and request tasks and leaves the channel-layer groups."""
        self.closing = True
        self._cancel_timers()
        for task in list(getattr(self, "tasks", ())):
            task.cancel()
        for group in getattr(self, "joined", ()):
            try:
                await self.channel_layer.group_discard(group, self.channel_name)
            except Exception:
                logger.warning("could not leave a group")

    async def websocket_receive(self, message):
        """Every frame comes through here; nothing a client sends may crash the consumer (an
        exception would make the server close with 1011)."""
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

    def _spawn(self, coroutine, cancel_on_close=True):
        task = asyncio.ensure_future(self._guarded(coroutine))
        if cancel_on_close:
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
        here would make the server close the socket with 1011."""
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
                # Also checked before the frame's size: a binary frame is a protocol bug however long.
                await self.fail(1003, "bad_request", "binary frames are not supported")
            else:
                await self.fail(4400, "bad_request", "expected a text frame")
            return
        try:
            frame = parse_client_frame(text, self.max_frame_bytes)
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
        """Verifies a token and loads its user fresh: (claims, user), or None after closing with
        4401. A token naming no user is as invalid as a badly signed one."""
        claims = decode_access_token(token)
        if claims is None:
            await self.fail(4401, "unauthenticated", "invalid or expired token")
            return None
        user = await database_sync_to_async(self._reload)(claims["sub"])
        if self.closing:
            return None
        if user is None:
            await self.fail(4401, "unauthenticated", "unknown user")
            return None
        return claims, user

    def _reload(self, user_id):
        """Loads the user afresh (empty permission caches) with its version, grants and change
        counter; the one slow path, taken at auth, on a push and when the counter moved."""
        generation = self.generation
        user, version, grants, stamp = snapshot(user_id)
        if user is not None:
            self.stamp, self.version, self.grants = stamp, version, grants
            self.event_checks = {}
            if self.user_id is None or user.pk == self.user_id:
                self.scope["user"] = user
            if self.generation != generation:
                # A change committed while this read ran (a `stale` message arrived): what was
                # read may predate it, so the next check loads the user again.
                self.stamp = None
        return user

    async def _authenticate(self, token):
        # The auth timer runs until auth.ok: a verification that fails without closing (an error
        # reading the user, say) still ends in 4408 instead of an open, unauthenticated socket.
        verified = await self._verified(token)
        if verified is None:
            return
        claims, user = verified
        if not user.is_active:
            await self.fail(4403, "forbidden", "the user is inactive")
            return
        if self.auth_timer is not None:
            self.auth_timer.cancel()
        self.user_id = user.pk
        await self._join_groups()
        self.session_exp = claims["exp"]
        self._expire_at(self.session_exp)
        await self._auth_ok(user)

    async def _refresh(self, token):
        verified = await self._verified(token)
        if verified is None:
            return
        claims, user = verified
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
        # Channel layers forget a group member after group_expiry (a day by default); every open
        # socket refreshes within one token lifetime, so joining again here keeps it a member.
        await self._join_groups()
        await self._auth_ok(user)

    async def _join_groups(self):
        groups = [pushes.user_group(self.user_id)]
        groups += [pushes.resource_group(resource) for resource in self.get_subscriptions()]
        # And again those joined by listen(), which the layer would forget as well.
        groups += [group for group in self.joined if group not in groups]
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
            if group not in self.joined:
                self.joined.append(group)

    async def _auth_ok(self, user):
        await self.send_frame(
            {
                "type": "auth.ok",
                "user": {"id": str(user.pk), "name": user.get_username()},
                "exp": self.session_exp,
                "now": int(time.time() * 1000),
                "perms": {"version": self.version, "grants": self.grants},
                **({"features": ["keys"]} if self.keys_enabled else {}),
            }
        )
        self.sent_version = self.version

    # -- requests ---------------------------------------------------------------------------------

    async def _accept_request(self, frame):
        request_id = frame["id"]
        if request_id in self.in_flight:
            await self.fail(4400, "bad_request", f'request id "{request_id}" is already in flight')
            return
        action_name = frame.get("action")
        if not isinstance(action_name, str) or not action_name:
            await self._reply_error(request_id, "bad_request", "\"req\" expects 'action' to be a non-empty string")
            return
        key = None
        if self.keys_enabled:
            problem = keys.key_error(frame)
            if problem:
                await self._reply_error(request_id, "bad_request", problem)
                return
            key = frame.get("key")
        self.in_flight.add(request_id)
        # Requests run concurrently, so a slow one does not hold up pings, refreshes or pushes.
        # A keyed one is not cancelled when the socket closes: its re-send on the next connection
        # waits for this run's answer.
        self._spawn(self._run_request(request_id, action_name, frame.get("payload"), key), cancel_on_close=key is None)

    async def _reply_error(self, request_id, code, message, **extra):
        await self.send_frame({"type": "res", "id": request_id, "ok": False, "error": {"code": code, "message": message, **extra}})

    async def _run_request(self, request_id, action_name, payload, key=None):
        try:
            context = RequestContext(key, request_id, action_name, self.user)
            if key is None:
                answer = await self._answer(action_name, payload, context)
            else:
                # A repeat of this user's key gets the first run's answer.
                answer = await self.get_key_window().run(self.user_id, key, lambda: self._answer(action_name, payload, context))
            if answer is not None:
                await self.send_frame({"type": "res", "id": request_id, **answer})
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("request %s failed", action_name[:64])
            await self._reply_error(request_id, "internal", "internal server error")
        finally:
            self.in_flight.discard(request_id)

    @staticmethod
    def _error(code, message, **extra):
        return {"ok": False, "error": {"code": code, "message": message, **extra}}

    async def _answer(self, action_name, payload, context):
        """The `res` body for one request ({"ok": True, "data": ...} or {"ok": False, "error":
        ...}), or None when the connection was closed instead (an inactive user). A keyed request
        runs to its answer even when its connection closed meanwhile: the re-send gets it."""
        spec = self.get_contract().actions.get(action_name)
        handler = self.actions.get(action_name)
        # Refusals before the method are not kept for repeats: nothing ran, and a repeat is
        # checked again (on fresh grants).
        if spec is None or handler is None:
            return keys.Unkept(self._error("unknown_action", f'unknown action "{action_name[:64]}"'))
        problem = spec.payload_error(payload)
        if problem:
            return keys.Unkept(self._error("bad_request", problem))
        resource = spec.resource_for(payload)
        method = getattr(self, handler)
        if self.wants_context.get(action_name):
            method = functools.partial(_with_context, method, context)
        # A plain method runs in the same trip to the database thread as the check.
        plain = not inspect.iscoroutinefunction(getattr(self, handler))
        user, allowed, outcome = await self._checked(spec.permission, resource, method if plain else None, payload)
        if self.closing and context.key is None:
            return None
        if user is None or not user.is_active:
            await self.fail(4403, "forbidden", "the user is inactive")
            return None
        if not allowed:
            if self.version > self.sent_version:
                # The client's snapshot is older than the refusal: it gets the new one first.
                await self._send_perms()
            extra = {"permission": spec.permission}
            if resource is not None:
                extra["resource"] = resource
            return keys.Unkept(self._error("permission_denied", f"{spec.permission} is required", **extra))
        try:
            if outcome is None:
                data = await method(payload)
            elif isinstance(outcome, ActionError):
                raise outcome
            else:
                data = outcome[0]
        except ActionError as error:
            answer = self._error(error.code, error.message)
        else:
            answer = {"ok": True, "data": data}
        return keys.Unkept(answer) if context.handled else answer

    async def _checked(self, permission, resource, method, payload):
        """(user, allowed, outcome) for one request, where outcome is None for an async method
        (the caller runs it), else `(data,)` or the ActionError a plain method raised.

        Requests of one connection that wait together share one trip to Channels' database
        thread and one read of the user's change counter, made after every one of them arrived:
        with many in flight, a trip costs more than the check itself."""
        future = asyncio.get_running_loop().create_future()
        self.batch.append((permission, resource, method, payload, future))
        if not self.batch_running:
            self.batch_running = True
            # Not cancelled with the connection: a keyed request waiting on it must get its
            # answer (and a plain method already running in the thread cannot be stopped anyway).
            self._spawn(self._drain_batch(), cancel_on_close=False)
        return await future

    async def _drain_batch(self):
        try:
            while self.batch:
                batch, self.batch = self.batch, []
                try:
                    results = await database_sync_to_async(self._run_batch)([item[:4] for item in batch])
                except BaseException as error:
                    for *_, future in batch:
                        if future.done():
                            continue
                        if isinstance(error, Exception):
                            future.set_exception(error)
                        else:
                            future.cancel()
                    raise
                for (*_, future), result in zip(batch, results):
                    if future.done():
                        continue
                    if isinstance(result, BaseException):
                        future.set_exception(result)
                    else:
                        future.set_result(result)
        finally:
            self.batch_running = False

    def _run_batch(self, items):
        """In the database thread: the check for each item (one counter read for all), and
        each allowed plain method. An unexpected error fails only its own request."""
        results = []
        user = self._current_user()
        for permission, resource, method, payload in items:
            try:
                allowed = self._allowed(user, permission, resource)
                outcome = None
                if allowed and method is not None:
                    try:
                        outcome = (method(payload),)
                    except ActionError as error:
                        outcome = error
                results.append((user, allowed, outcome))
            except Exception as error:
                results.append(error)
        return results

    def _current_user(self):
        """The user, loaded again only when the change counter moved (one query otherwise)."""
        state = read_state(self.user_id)
        user = self.scope.get("user")
        if state is None or state[0] != self.stamp or not state[1] or user is None or user.is_anonymous:
            user = self._reload(self.user_id)
        return user

    @staticmethod
    def _allowed(user, permission, resource):
        if user is None or not user.is_active:
            return False
        if permission is None:
            return True
        return user.has_perm(permission, Resource(resource) if resource is not None else None)

    async def _send_perms(self):
        await self.send_frame({"type": "perms", "version": self.version, "grants": self.grants})
        self.sent_version = self.version

    # -- channel-layer messages ------------------------------------------------------------------

    async def permsocket_perms(self, message):
        """The user's grants changed somewhere: the snapshot in the message goes out at once when
        it is newer, and the user is loaded again before the next check (request or event)."""
        version = message.get("version", 0)
        if self.user_id is None or self.closing or version <= self.sent_version:
            return
        grants = message.get("grants")
        if isinstance(grants, list) and version >= self.version:
            self.version, self.grants = version, grants
            # A counter no read can match: the next check loads the user afresh.
            self.stamp = None
            self.event_checks = {}
        else:
            try:
                user = await database_sync_to_async(self._reload)(self.user_id)
            except Exception:
                logger.exception("could not read permissions for a push")
                return
            if user is None:
                return
        if self.version > self.sent_version:
            await self._send_perms()

    def _event_allowed(self, permission, resource):
        """In the database thread: whether the user may see an event (permission, resource).
        Where events may overtake a change's `stale` message, the change counter is read first
        (one query) and a kept answer is reused only when it has not moved."""
        if self.events_ordered:
            user = self.scope.get("user")
            if self.stamp is None or user is None or user.is_anonymous:
                # A push said the permissions changed: load the user before answering.
                user = self._reload(self.user_id)
        else:
            # Reloads, and forgets the kept answers, when the counter moved.
            user = self._current_user()
            kept = self.event_checks.get((permission, resource))
            if kept is not None:
                return kept
        return bool(user is not None and user.is_active and self._allowed(user, permission, resource))

    async def permsocket_stale(self, message):
        """A change to the user's permissions committed; sent before the change's request
        returned, so it arrives before any event published after it. The kept event answers and
        the loaded user are forgotten: the next event or request loads the user again. The
        `perms` push follows from the background fan-out."""
        self.generation += 1
        self.stamp = None
        self.event_checks = {}

    async def permsocket_deactivated(self, message):
        """The user was deactivated or deleted: 4403 on every socket."""
        if self.user_id is not None:
            await self.fail(4403, "forbidden", "the user was deactivated")

    async def permsocket_event(self, message):
        """A contract event on a resource this socket listens to: forwarded when its user may see
        it on the current grants. The answer is kept until the user's permissions change (a
        `stale` message, a `perms` push, a moved counter), so with the in-memory layer a burst of
        events costs no database call and cannot back the socket's channel up; with another
        layer each costs one read of the change counter (events_follow_changes)."""
        if self.user_id is None or self.closing:
            return
        permission, resource = message.get("permission"), message.get("resource")
        allowed = True
        if permission is not None:
            key = (permission, resource)
            allowed = self.event_checks.get(key) if self.events_ordered else None
            if allowed is None:
                generation = self.generation
                try:
                    allowed = await database_sync_to_async(self._event_allowed)(permission, resource)
                except Exception:
                    logger.exception("could not check an event's permission")
                    return
                if self.generation == generation:
                    self.event_checks[key] = allowed
        if allowed and not self.closing:
            await self.send_frame({"type": "event", "name": message["name"], "data": message["data"]})
