"""Fixed-window rate limits kept in the cache (Redis in production, shared by every process).

A limit that protects an account or somebody else's inbox fails closed: when the store cannot
count (Redis down, or full and refusing writes), the action is refused. A limit that protects
only our own capacity fails open, so an outage does not lock readers out.
"""

import time

from django.core.cache import cache

from kindred.cache import StoreUnavailable  # raised by the cache's count()


def client_ip(request):
    """The client's address as Django sees it (a trusted proxy must set REMOTE_ADDR)."""
    return request.META.get("REMOTE_ADDR", "unknown")


def _count(key, window_seconds):
    counter = getattr(cache, "count", None)  # ResilientRedisCache: one INCR + EXPIRE, or raise
    if counter is not None:
        return counter(key, window_seconds + 5)
    cache.add(key, 0, window_seconds + 5)
    try:
        return cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.set(key, 1, window_seconds + 5)
        return 1


def hit(scope, identity, limit, window_seconds, *, fail_closed=False):
    """Count one action; False when `identity` already used `limit` actions in this window.

    With `fail_closed`, an action that cannot be counted is refused (False)."""
    window = int(time.time() // window_seconds)
    key = f"ratelimit:{scope}:{identity}:{window}"
    try:
        count = _count(key, window_seconds)
    except StoreUnavailable:
        return not fail_closed
    return count <= limit
