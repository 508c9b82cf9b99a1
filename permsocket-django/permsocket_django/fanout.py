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
from django.db.models import Q

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
        transaction.on_commit(lambda: _committed(user_ids, group_ids))


def _committed(user_ids, group_ids):
    """In the committing thread: marks the sockets stale now, recomputes in the background."""
    try:
        ids = affected_users(user_ids, group_ids)
    except Exception:
        logger.exception("could not read who a permission change affects")
        return
    pushes.push_stale(ids)
    _pool().submit(_run, ids)


def affected_users(user_ids=(), group_ids=()):
    """The ids of these users and of these groups' members that have a version row (only they can
    have a socket: the row is created when one signs in), in one query."""
    from .models import PermissionVersion

    rows = PermissionVersion.objects.none()
    if user_ids and group_ids:
        rows = PermissionVersion.objects.filter(Q(user_id__in=user_ids) | Q(user__groups__in=group_ids))
    elif user_ids:
        rows = PermissionVersion.objects.filter(user_id__in=user_ids)
    elif group_ids:
        rows = PermissionVersion.objects.filter(user__groups__in=group_ids)
    return set(rows.values_list("user_id", flat=True))


def wait():
    """Blocks until every fan-out scheduled so far has run. A process that exits (a management
    command) needs no call: the executor's thread finishes its queue before the interpreter ends."""
    if _executor is not None:
        _executor.submit(lambda: None).result()


def _run(ids):
    from .grants import fresh_user, sync_version

    close_old_connections()
    try:
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

