"""Read replicas: reads that may be a moment behind the primary go to a copy of it.

DATABASE_REPLICA_URLS (config/env.py) adds "replica_1", "replica_2", ... to DATABASES. Every
read goes to the primary ("default") unless the view said, with `@replica_reads`, that its page
may be a moment stale: the article page, the feeds, the sitemap and search. Even there:

- Only a GET or HEAD without a session reads a replica: the page shared by every anonymous
  reader. A member or a guest who shared name + email may have just written something (a post
  that waits for a moderator, a changed name) and must see it, so they read the primary.
- Once the request writes (the router is asked where to write) or reads inside a transaction
  on the primary, it reads the primary to its end.
- Each request reads one replica, picked at random, so its page comes from one copy.

A replica is behind the primary by its replication lag: milliseconds when it keeps up, seconds
or more when it is busy or was cut off. A reader may meanwhile see the page as it was a moment
ago; browsers and nginx keep such a page PUBLIC_CACHE_SECONDS more at most.

Caches kept under freshness counters (kindred.freshness) need more. A copy is stored with the
counters' values read *before* it was made and trusted while they hold them: a copy made from a
replica that had not yet replayed the change that moved them would be old content under a new
stamp, served until the next change or for PAGE_CACHE_SECONDS. So:

- A page the page cache is to keep (its stamp was read: `page_cache.will_keep`) is made from
  the replica only when the replica has replayed everything the primary had written when the
  stamp had been read: the primary's WAL insert position, read after the stamp, against the
  replica's replay position. Every change whose counters the stamp holds was committed, so in
  the WAL, before that position. (The insert position, not the flushed one: with
  synchronous_commit off, a COMMIT returns and its counters move before its WAL is flushed.)
  A replica behind it, or one that cannot say (not a standby, not PostgreSQL), leaves the page
  to the primary. That costs two tiny queries per page made; a page served from the cache asks
  nothing. Pages that are not kept (the page cache off, Redis away, an address that is not
  canonical, search, the articles feed, the sitemap) come from the replica as it is.
- What a page fills under a stamp of its own while it is made (the recent-articles sidebar)
  is read inside `primary_reads()`.

A replica that fails: one that does not answer (connection refused, or nothing within its
URL's connect_timeout, 2 s unless it says) is left alone by this process for RETRY_SECONDS, its
readers reading the primary, with one warning in the log. A query on the replica that fails
in the middle of a page (the replica went away, a query cancelled by the replay, a table the
replica does not have yet) makes the view run again, once, on the primary, unless the request
has written.

Management commands, tasks and the admin never read a replica: only `@replica_reads` turns it
on, for the view it decorates, and it keeps its state in a ContextVar set before the view and
reset after it, so the state never outlives the request or reaches another thread.
"""

import contextlib
import functools
import logging
import random
import time
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, Error, connections

from kindred import page_cache

# How long a process leaves a replica alone after it did not answer.
RETRY_SECONDS = 30

logger = logging.getLogger(__name__)


@dataclass
class _Reads:
    """Where the reads of the request under way go: its replica, until it writes."""

    replica: str
    wrote: bool = False
    primary_blocks: int = 0  # `primary_reads()` blocks open

    @property
    def alias(self):
        return DEFAULT_DB_ALIAS if self.wrote or self.primary_blocks else self.replica


_reads = ContextVar("kindred_replica_reads", default=None)
_down_until = {}  # replica alias -> time.monotonic() until which this process does not try it


class ReplicaRouter:
    """DATABASE_ROUTERS: reads to the request's replica while `replica_reads` lets them go
    there, everything else to the primary."""

    def db_for_read(self, model, **hints):
        reads = _reads.get()
        if reads is None:
            return DEFAULT_DB_ALIAS
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            reads.wrote = True  # a transaction on the primary: it and what follows read there
        return reads.alias

    def db_for_write(self, model, **hints):
        reads = _reads.get()
        if reads is not None:
            reads.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same rows, wherever they were read

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS  # a replica copies the primary's tables


def replica_reads(view):
    """Let the view read a replica when it makes the page shared by every anonymous reader.

    Below `page_cache.cache_page`, never above it: the page's stamp must be read first.
    """
    if hasattr(view, "page_cache_policy"):
        raise ImproperlyConfigured(
            f"{view.__name__}: put @replica_reads below @cache_page (the stamp comes first)"
        )

    @functools.wraps(view)
    def reading_a_replica(request, *args, **kwargs):
        replica = _replica_for(request)
        if replica is None:
            return view(request, *args, **kwargs)
        reads = _Reads(replica)
        replica_connection = connections[replica]
        had_failed = replica_connection.errors_occurred
        token = _reads.set(reads)
        try:
            return view(request, *args, **kwargs)
        except Error as error:
            # Django marks a connection whose query failed: only the replica's failures are
            # worth a second try, and only while the request has written nothing.
            if reads.wrote or had_failed or not replica_connection.errors_occurred:
                raise
            logger.warning("Replica %s failed (%s): reading the primary", replica, error)
        finally:
            _reads.reset(token)
        return view(request, *args, **kwargs)

    return reading_a_replica


@contextlib.contextmanager
def primary_reads():
    """Reads inside go to the primary, even in a view that may read a replica: for what is
    kept under freshness counters read just before (kindred.freshness)."""
    reads = _reads.get()
    if reads is None:
        yield
        return
    reads.primary_blocks += 1
    try:
        yield
    finally:
        reads.primary_blocks -= 1


def _replica_for(request):
    """The replica the request may read, connected; None for the primary."""
    if request.method not in ("GET", "HEAD") or _has_session(request):
        return None
    now = time.monotonic()
    replicas = [alias for alias in settings.DATABASE_REPLICAS if _down_until.get(alias, 0) <= now]
    if not replicas:
        return None
    must_catch_up = page_cache.will_keep(request)
    position = _primary_position() if must_catch_up else None
    if must_catch_up and position is None:
        return None
    replica = random.choice(replicas)  # noqa: S311 (spreading load, not a secret)
    connection = connections[replica]
    try:
        # What the first query would do (a dead kept connection is replaced), done first so
        # that a replica that does not answer costs no page.
        connection.close_if_health_check_failed()
        connection.ensure_connection()
        if must_catch_up and not _has_replayed(connection, position):
            return None
    except Error as error:
        _down_until[replica] = time.monotonic() + RETRY_SECONDS
        logger.warning(
            "Replica %s does not answer (%s): reading the primary for %s s",
            replica,
            error,
            RETRY_SECONDS,
        )
        return None
    return replica


def _has_session(request):
    """A member or a guest (as kindred.page_cache tells them from everybody)."""
    session = getattr(request, "session", None)
    return session is not None and bool(session.session_key or session.modified)


def _primary_position():
    """Where the primary's WAL ends now, or None when it cannot say (not PostgreSQL)."""
    primary = connections[DEFAULT_DB_ALIAS]
    if primary.vendor != "postgresql":
        return None
    with primary.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_insert_lsn()::text")
        return cursor.fetchone()[0]


def _has_replayed(connection, position):
    """Whether the replica has replayed the primary's WAL up to `position`. A server that is
    no standby (a test's mirror, a promoted replica) has no replay position: it cannot say."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(pg_last_wal_replay_lsn() >= %s::pg_lsn, false)", [position])
        return cursor.fetchone()[0]
