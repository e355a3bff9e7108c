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
fifty times at once. Only GETs without a session or cookies (other than the CSRF cookie, which
changes nothing on the page) get or fill it; a view opts in with `response.page_cacheable`.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse

GENERATION_KEY = "pages:generation"
LOCK_SECONDS = 10


def _digest(text):
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _version_key(path):
    return f"pages:version:{_digest(path)}"


def _page_key(full_path):
    return f"pages:page:{_digest(full_path)}"


def _bump(key):
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, None)


def site_changed():
    """Something every page may show changed: no stored page is used again."""
    _bump(GENERATION_KEY)


def page_changed(path):
    """The page at `path` (whatever its query string) changed."""
    _bump(_version_key(path))


def _is_eligible(request):
    return (
        settings.PAGE_CACHE_SECONDS > 0
        and request.method == "GET"
        and request.path.startswith(settings.PAGE_CACHE_PREFIXES)
        and set(request.COOKIES) <= {settings.CSRF_COOKIE_NAME}
    )


def _replay(stored, state):
    _, status, headers, content = stored
    response = HttpResponse(content, status=status)
    for name, value in headers:
        response[name] = value
    response["X-Page-Cache"] = state
    return response


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _is_eligible(request):
            return self.get_response(request)
        page_key = _page_key(request.get_full_path())
        lock_key = f"{page_key}:lock"
        found = cache.get_many([GENERATION_KEY, _version_key(request.path), page_key])
        stamp = (found.get(GENERATION_KEY, 0), found.get(_version_key(request.path), 0))
        stored = found.get(page_key)
        if stored is not None and stored[0] == stamp:
            return _replay(stored, "hit")
        if stored is not None and not cache.add(lock_key, 1, LOCK_SECONDS):
            return _replay(stored, "stale")  # somebody else is rendering the new copy
        try:
            response = self.get_response(request)
            if self._is_storable(request, response):
                timeout = getattr(response, "page_cache_timeout", settings.PAGE_CACHE_SECONDS)
                if callable(timeout):
                    timeout = timeout()
                timeout = min(settings.PAGE_CACHE_SECONDS, timeout)
                headers = [(k, v) for k, v in response.items() if k.lower() != "x-page-cache"]
                cache.set(
                    page_key, (stamp, response.status_code, headers, response.content), timeout
                )
                response["X-Page-Cache"] = "miss"
        finally:
            if stored is not None:
                cache.delete(lock_key)
        return response

    @staticmethod
    def _is_storable(request, response):
        from config.middleware import is_shareable

        return (
            getattr(response, "page_cacheable", False)
            and not response.streaming
            and is_shareable(request, response)
        )
