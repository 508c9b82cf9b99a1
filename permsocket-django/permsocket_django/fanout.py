"""Permission changes reach open sockets after the change commits, off the request that made it.

The changing transaction only moves each affected user's change counter (one UPDATE, however
many users: grants.bump_stamps), so an admin's request that edits a 200-member group returns at
once. After commit, one background thread re-reads each affected user's effective set, moves the
version only when it really changed, and pushes `permsocket.perms` to that user's sockets.
Sockets that make a request before the push arrive see the moved counter and reload anyway.
"""
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from django.db import close_old_connections, connection, transaction

from . import pushes

logger = logging.getLogger("permsocket")
_executor = None
_executor_lock = threading.Lock()


def _pool():
    global _executor
    with _executor_lock:
        if _executor is None:
            # One worker: changes are applied in the order they committed.
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="permsocket-fanout")
            # A short-lived process (a management command) must deliver its pushes before it
            # ends, while threads can still be started: asgiref's async_to_sync, which sends them,
            # refuses once concurrent.futures has begun its own shutdown, and the threading
            # exit hooks run in reverse order, so this one runs before that shutdown.
            register = getattr(threading, "_register_atexit", None)
            if register is not None:
                register(wait)
    return _executor


def after_commit(user_ids=(), group_ids=()):
    """Schedules a re-read of these users and of these groups' members once the current
    transaction commits (at once outside a transaction)."""
    user_ids, group_ids = list(set(user_ids)), list(set(group_ids))
    if user_ids or group_ids:
        transaction.on_commit(lambda: _pool().submit(_run, user_ids, group_ids))


def wait():
    """Blocks until every fan-out scheduled so far has run. A process that exits (a management
    command) needs no call: the executor's thread finishes its queue before the interpreter ends."""
    if _executor is not None:
        _executor.submit(lambda: None).result()


def _run(user_ids, group_ids):
    from .grants import fresh_user, sync_version
    from .models import PermissionVersion

    close_old_connections()
    try:
        # Only users with a version row can have a socket (it is created when one signs in).
        ids = set(PermissionVersion.objects.filter(user_id__in=user_ids).values_list("user_id", flat=True)) if user_ids else set()
        if group_ids:
            ids.update(PermissionVersion.objects.filter(user__groups__in=group_ids).values_list("user_id", flat=True))
        for user_id in ids:
            try:
                user = fresh_user(user_id)
                if user is None:
                    continue
                version, grants, changed, _ = sync_version(user)
                if changed:
                    pushes.push_perms(user_id, version, grants)
            except Exception:
                logger.exception("could not update the permissions of one user")
    finally:
        connection.close()

