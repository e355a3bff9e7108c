"""Redis as the shared cache, without making Redis a single point of failure.

If Redis stops answering, every cache call behaves as a miss (reads return the default, writes
do nothing), so pages are still served, only slower; rate limits let requests through rather
than lock everyone out, except those that guard an account or an inbox, which refuse
(accounts/ratelimits.py). The outage is logged once, and its end once, per process. For a few
seconds after a failure Redis is not even tried, so a dead server costs no time per call.
"""

import contextlib
import logging
import secrets
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

from kindred.freshness import SITE


class StoreUnavailable(Exception):
    """A counter could not be read or written (Redis down, or full)."""


logger = logging.getLogger("kindred.cache")

RETRY_AFTER_SECONDS = 5
# Calls that only read: the first one after an outage is asked again once the page generation
# has moved (a write is not repeated: an `add` or `incr` done twice would count twice).
_READS = {"get", "get_many", "has_key"}


class _ReusedClient(RedisCacheClient):
    """Django makes a new redis-py client for every call; one per pool does (it is thread-safe)."""

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_clients", {})
        client = clients.get(id(pool))
        if client is None:
            client = clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    _down_since = None  # per process: when the last failure was seen
    _retry_at = 0.0

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ReusedClient

    def _call(self, name, default, *args):
        return self._guarded(getattr(super(), name), default, args, is_read=name in _READS)

    def _guarded(self, method, default, args, is_read):
        cls = type(self)
        if cls._down_since is not None and time.monotonic() < cls._retry_at:
            return default
        try:
            result = method(*args)
        except RedisError as exc:
            if cls._down_since is None:
                cls._down_since = time.monotonic()
                logger.error("cache unavailable, serving without it: %s", exc)
            cls._retry_at = time.monotonic() + RETRY_AFTER_SECONDS
            return default
        if cls._down_since is not None:
            logger.warning("cache back after %.0f s", time.monotonic() - cls._down_since)
            cls._down_since = None
            self._forget_pages()
            if is_read:  # read again: what came back may predate the generation just moved
                return self._guarded(method, default, args, is_read)
        return result

    def _forget_pages(self):
        """Changes made during the outage could not reach the cache: stored pages may be stale."""
        with contextlib.suppress(RedisError):  # gone again: the next recovery tries once more
            super().set(SITE, secrets.randbits(62), None)  # a value never used before

    def is_available(self):
        """For /healthz: does Redis answer right now?"""
        try:
            self._cache.get_client(write=False).ping()
        except RedisError:
            return False
        return True

    def get_many_raw(self, keys):
        """The values of `keys` as Redis holds them (bytes, or None), skipping the unpickling and
        key checks of get_many: for the page cache's small counters, read on every request.
        Whole numbers come back as their digits (the serializer stores ints as they are)."""
        return self._guarded(self._mget, [None] * len(keys), (keys,), is_read=True)

    def _mget(self, keys):
        client = self._cache.get_client(write=False)
        return client.mget([self.make_key(key) for key in keys])

    def get(self, key, default=None, version=None):
        return self._call("get", default, key, default, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, key, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", False, key, value, timeout, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", None, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", list(data), data, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", False, key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", False, key, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", None, keys, version)

    def count(self, key, timeout, version=None):
        """Add one to the counter `key` (created with `timeout`) and return it, in one atomic
        step; raise StoreUnavailable when Redis cannot count (down, or full)."""
        result = self._guarded(self._count, None, (key, timeout, version), is_read=False)
        if result is None:
            raise StoreUnavailable(key)
        return result

    def _count(self, key, timeout, version):
        client = self._cache.get_client(write=True)
        pipe = client.pipeline()
        full_key = self.make_and_validate_key(key, version=version)
        pipe.incr(full_key)
        pipe.expire(full_key, int(timeout), nx=True)
        return pipe.execute()[0]

    def incr(self, key, delta=1, version=None):
        result = self._call("incr", None, key, delta, version)
        if result is None:  # as for a missing key: callers already handle that
            raise ValueError(f"Key '{key}' not found (cache unavailable)")
        return result

    def clear(self):
        return self._call("clear", None)
