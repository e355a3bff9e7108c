"""Fixed-window rate limits kept in the cache (Redis in production, shared by every process)."""

import time

from django.core.cache import cache


def client_ip(request):
    """The client's address as Django sees it (a trusted proxy must set REMOTE_ADDR)."""
    return request.META.get("REMOTE_ADDR", "unknown")


def hit(scope, identity, limit, window_seconds):
    """Count one action; False when `identity` already used `limit` actions in this window."""
    window = int(time.time() // window_seconds)
    key = f"ratelimit:{scope}:{identity}:{window}"
    cache.add(key, 0, window_seconds + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.set(key, 1, window_seconds + 5)
        count = 1
    return count <= limit
