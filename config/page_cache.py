"""Whole article pages for anonymous readers, kept in the shared cache (Redis: every server).

A hit is answered by `PageCacheMiddleware` near the top of the stack, before sessions, auth or
the database: one Redis round trip fetches the site's generation, the page's version and the
stored page (its body and every header the full stack gave it). The stored page is used only if
it was rendered at the generation and version current now:

- `page_changed(path)` bumps a page's version: a comment published, hidden or removed under it.
- `site_changed()` bumps the generation: anything shown on every page (an article in the
  sidebar, a reviewer's bio, a member's name), and the end of a Redis outage, when changes made
  during it could not be recorded.

The versions are read before the page is rendered and stored with it, so a change made while a
page renders makes that copy stale at once. When a page is stale, one request re-renders it
(a short lock) and the others get the previous copy meanwhile, so a busy page is not rendered
fifty times at once; if that render fails (the database gone), the previous copy is served
too. Only GETs without a session or cookies (other than the CSRF cookie, which changes nothing
on the page) get or fill it; a view opts in with `response.page_cacheable`.
"""

import hashlib
import re
import secrets
import time
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse

GENERATION_KEY = "pages:generation"
LOCK_SECONDS = 10


def _digest(text):
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _version_key(path):
    return f"pages:version:{_digest(path)}"


def _page_key(full_path):
    return f"pages:page:{_digest(full_path)}"


def _lifetime(key):
    """The generation is kept for good; a page's version as long as a copy of the page can be
    (each copy stored renews it; an expired version takes a fresh value, which no copy has), so
    made-up /articles/... addresses leave no lasting keys."""
    return None if key == GENERATION_KEY else settings.PAGE_CACHE_SECONDS


def _bump(key):
    """Give the counter a value it never had (a counter that restarted after an eviction
    could make old copies look current again). Done now and again when the transaction commits:
    a page rendered in between, from rows not yet committed, is then stale too."""

    def bump():
        cache.set(key, secrets.randbits(62), _lifetime(key))

    bump()
    transaction.on_commit(bump)


def site_changed():
    """Something every page may show changed: no stored page is used again."""
    _bump(GENERATION_KEY)


def page_changed(path):
    """The page at `path` (whatever its query string) changed."""
    _bump(_version_key(path))


def _read_stamp(version_key):
    """(generation, version) as the cache holds them: with Redis, their digits as bytes, read
    without unpickling (this runs on every cached page served)."""
    keys = [GENERATION_KEY, version_key]
    read_raw = getattr(cache, "get_many_raw", None)  # ResilientRedisCache
    if read_raw is not None:
        return tuple(read_raw(keys))
    found = cache.get_many(keys)
    return tuple(found.get(key) for key in keys)


def _set_stamp(version_key):
    """Give counters never set (or lost with Redis) a value, then read them."""
    for key in (GENERATION_KEY, version_key):
        cache.add(key, secrets.randbits(62), _lifetime(key))
    return _read_stamp(version_key)


def current_stamp(path):
    """What a copy of the page at `path` made now is current for: (generation, version), read
    before the copy is made. None when Redis has no answer, or the page cache is off (without
    Redis, each process would have counters of its own): then no copy may be reused."""
    if not settings.PAGE_CACHE_SECONDS:
        return None
    version_key = _version_key(path)
    stamp = _read_stamp(version_key)
    if None in stamp:
        stamp = _set_stamp(version_key)
    return None if None in stamp else stamp


def request_stamp(request):
    """current_stamp(request.path), read once per request, before any of its page is made."""
    if not hasattr(request, "page_stamp"):
        request.page_stamp = current_stamp(request.path)
    return request.page_stamp


# The only query parameters an article page answers to, and the form their values take on the
# page's own links (a comment page number from 2, an order's name); any other parameter or form
# makes the request uncached. The view has the last word (not_canonical): `order=newest`, a page
# past the last or a thread not shown are served but never stored, so made-up addresses cannot
# fill the cache.
QUERY_PARAMETERS = {
    "cpage": re.compile(r"[1-9][0-9]{0,5}"),
    "order": re.compile(r"[a-z]{1,20}"),
}


def _is_eligible(request):
    return (
        settings.PAGE_CACHE_SECONDS > 0
        and request.method == "GET"
        and request.path.startswith(settings.PAGE_CACHE_PREFIXES)
        and set(request.COOKIES) <= {settings.CSRF_COOKIE_NAME}
        and _has_page_parameters_only(request.GET)
    )


def _has_page_parameters_only(query):
    return all(
        name in QUERY_PARAMETERS
        and len(values) == 1
        and QUERY_PARAMETERS[name].fullmatch(values[0])
        for name, values in query.lists()
    )


def _address(request):
    """The page's address as stored: the path and its known parameters, in a fixed order."""
    return f"{request.path}?{urlencode(sorted(request.GET.items()))}"


def not_canonical(request):
    """Said by a view whose page answers to another address (`?order=` with the default order,
    a comment page past the last one, a parameter the page ignores): the page is served but not
    stored, so made-up parameter values add no entries to the cache."""
    request.page_is_canonical = False


def _replay(stored, state):
    _, status, headers, content, _ = stored
    response = HttpResponse(content, status=status)
    # The headers were checked when the page was first made; copied as they are, not set one
    # by one through the checks again (the cost of a hit is mostly this and one Redis trip).
    response.headers._store.update(headers)
    response.headers["X-Page-Cache"] = state
    return response


# Pages this process served lately (bodies only: whether one is current is always asked of Redis).
_local = {}
LOCAL_PAGES = 200


def _remember(page_key, stored):
    if len(_local) >= LOCAL_PAGES:
        _local.clear()
    _local[page_key] = stored


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _is_eligible(request):
            return self.get_response(request)
        request.get_host()  # an unknown Host is refused (400) before anything is looked up
        page_key = _page_key(_address(request))
        lock_key = f"{page_key}:lock"
        version_key = _version_key(request.path)
        stamp = request_stamp(request)  # None: Redis has no answer
        # A copy this process served lately needs only the two small counters from Redis.
        local = _local.get(page_key)
        is_current = local is not None and stamp is not None and local[0] == stamp
        if is_current and local[4] > time.time():
            return _replay(local, "hit")
        stored = cache.get(page_key)
        if stamp is not None and stored is not None and stored[0] == stamp:
            _remember(page_key, stored)
            return _replay(stored, "hit")
        if stored is not None and not cache.add(lock_key, 1, LOCK_SECONDS):
            return _replay(stored, "stale")  # somebody else is rendering the new copy
        try:
            response = self.get_response(request)
            if self._is_storable(request, response) and stamp is not None:
                timeout = getattr(response, "page_cache_timeout", settings.PAGE_CACHE_SECONDS)
                if callable(timeout):
                    timeout = timeout()
                timeout = min(settings.PAGE_CACHE_SECONDS, timeout)
                headers = {
                    name: pair
                    for name, pair in response.headers._store.items()
                    if name != "x-page-cache"
                }
                expires_at = time.time() + timeout
                page = (stamp, response.status_code, headers, response.content, expires_at)
                cache.set(page_key, page, timeout)
                cache.touch(version_key, _lifetime(version_key))  # outlives the copy
                response["X-Page-Cache"] = "miss"
            elif stored is not None and response.status_code >= 500:
                # The re-render failed (the database gone, say): the last good copy beats an
                # error page (stale-if-error); the next request tries to render again.
                response = _replay(stored, "stale-if-error")
            elif stored is not None:
                cache.delete(page_key)  # gone or changed into something private: no stale copy
        finally:
            if stored is not None:
                cache.delete(lock_key)
        return response

    @staticmethod
    def _is_storable(request, response):
        from config.middleware import is_shareable

        return (
            getattr(response, "page_cacheable", False)
            and getattr(request, "page_is_canonical", True)
            and not response.streaming
            and is_shareable(request, response)
        )


def forget_on_delete(*models):
    """Bump the site's generation whenever a row of these models is deleted, however it is
    deleted (one by one, the admin's bulk action, or a cascade).

    Deletes are a change a model's save() cannot see; Django sends post_delete for every row,
    bulk or not, once somebody listens. With m2m_changed (below), the only signals the project
    uses, and only to keep cached pages current.
    """
    from django.db.models.signals import post_delete

    for model in models:
        post_delete.connect(_deleted, sender=model, dispatch_uid=f"page_cache:{model._meta.label}")


def forget_on_relation_change(*relations):
    """The same for many-to-many links (an article's reviewers and authors): `add()`, `set()`
    and `remove()` save no row of either side, so no save() sees them either."""
    from django.db.models.signals import m2m_changed

    for relation in relations:
        m2m_changed.connect(
            _relation_changed,
            sender=relation.through,
            dispatch_uid=f"page_cache:{relation.through._meta.label}",
        )


def _relation_changed(sender, action, **kwargs):
    if action in ("post_add", "post_remove", "post_clear"):
        site_changed()


def _deleted(sender, **kwargs):
    site_changed()
