"""Whole pages for anonymous readers, kept in the shared cache (Redis: every server).

A view opts in with the `cache_page` decorator (as with Django's own), which declares what the
page shows besides its address: the freshness counters it depends on (kindred.freshness), how
long it may be kept at most, and the query parameters it answers to. A copy is stored with
the counters' values read before it was made, and served only while the counters still hold
them, so a change made while a page renders makes that copy stale at once. A hit costs two
cache round trips (the copy, then its counters); the middleware around the view adds the
headers every page gets (security, CSP, Cache-Control) to the copy as to any response.

When a copy is stale, one request re-renders it (a short lock) and the others get the previous
copy meanwhile (`X-Page-Cache: stale`), so a busy page is not rendered fifty times at once; if
that render fails (the database gone), the previous copy is served too (`stale-if-error`). Only
GETs without a session or cookies (other than the CSRF cookie, which changes nothing on the
page) get or fill the cache, and only at canonical addresses: each parameter one of the values
the page's own links write, and nothing the view calls `not_canonical`. Copies are kept per
language.
"""

import functools
import hashlib
import logging
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpResponse
from django.utils import translation
from django.views.decorators.csrf import csrf_protect

from kindred import freshness

logger = logging.getLogger(__name__)

LOCK_SECONDS = 10
# Raised by a view for a page that is not there (or not for this visitor): not a failure that
# the last good copy should hide.
_CLIENT_ERRORS = (Http404, PermissionDenied, BadRequest, SuspiciousOperation)


@dataclass(frozen=True)
class _Page:
    counters: tuple  # the freshness keys the page depends on
    stamp: tuple  # their values when the page was made
    status: int
    headers: dict  # the view's own; the middleware adds the rest on every answer
    content: bytes


def cache_page(*, depends_on, parameters=None, expires=None):
    """Keep the view's page for anonymous readers until what it shows changes.

    `depends_on(request, *args, **kwargs)` names the freshness counters the page shows (asked
    only when the page is rendered); `expires()` the most seconds a copy may be kept (also
    asked only then), never more than PAGE_CACHE_SECONDS; `parameters` maps each query
    parameter the page answers to onto a regular expression of its canonical values. A request
    with any other parameter or value is served but never stored.
    """
    patterns = {name: re.compile(pattern) for name, pattern in (parameters or {}).items()}

    def decorator(view):
        # Django's advice for caching decorators: a CSRF cookie asked for while rendering is
        # then on the response before it is stored, so such a page is never shared.
        view = csrf_protect(view)

        @functools.wraps(view)
        def cached_view(request, *args, **kwargs):
            if not _is_eligible(request, patterns):
                return view(request, *args, **kwargs)
            request.get_host()  # an unknown Host is refused (400) before anything is looked up
            page_key = _page_key(_address(request), translation.get_language())
            stored = cache.get(page_key)
            if stored is not None and freshness.read(stored.counters) == stored.stamp:
                return _replay(stored, "hit")
            lock_key = f"{page_key}:lock"
            if stored is not None and not cache.add(lock_key, 1, LOCK_SECONDS):
                return _replay(stored, "stale")  # somebody else is rendering the new copy
            try:
                return _render(request, view, args, kwargs, page_key, stored, depends_on, expires)
            finally:
                if stored is not None:
                    cache.delete(lock_key)

        return cached_view

    return decorator


def _render(request, view, args, kwargs, page_key, stored, depends_on, expires):
    try:
        counters = tuple(depends_on(request, *args, **kwargs))
        stamp = freshness.current(counters)  # None: Redis has no answer, nothing is kept
        response = view(request, *args, **kwargs)
    except _CLIENT_ERRORS:
        if stored is not None:
            cache.delete(page_key)  # gone, or no longer for everyone: no stale copy
        raise
    except Exception:
        if stored is None:
            raise
        # The re-render failed (the database gone, say): the last good copy beats an error
        # page (stale-if-error); the next request tries to render again.
        logger.exception("re-rendering %s failed; the last good copy was served", request.path)
        return _replay(stored, "stale-if-error")
    if stamp is not None and _is_storable(request, response):
        timeout = settings.PAGE_CACHE_SECONDS
        if expires is not None:
            timeout = min(timeout, expires())
        page = _Page(
            counters, stamp, response.status_code, dict(response.items()), response.content
        )
        cache.set(page_key, page, timeout)
        response["X-Page-Cache"] = "miss"
    elif stored is not None and response.status_code >= 500:
        response = _replay(stored, "stale-if-error")
    elif stored is not None:
        cache.delete(page_key)  # changed into something not shared: no stale copy
    return response


def not_canonical(request):
    """Said by a view whose page answers to another address (a comment page past the last
    one, a parameter the page ignores): the page is served but not stored, so made-up
    parameter values add no entries to the cache."""
    request.page_is_canonical = False


def _is_eligible(request, patterns):
    return (
        settings.PAGE_CACHE_SECONDS > 0
        and request.method == "GET"
        and set(request.COOKIES) <= {settings.CSRF_COOKIE_NAME}
        and all(
            name in patterns and len(values) == 1 and patterns[name].fullmatch(values[0])
            for name, values in request.GET.lists()
        )
    )


def _address(request):
    """The page's address as stored: the path and its parameters, in a fixed order."""
    return f"{request.path}?{urlencode(sorted(request.GET.items()))}"


def _page_key(address, language):
    digest = hashlib.sha256(f"{language}:{address}".encode()).hexdigest()[:32]
    return f"pages:page:{digest}"


def _replay(page, state):
    response = HttpResponse(page.content, status=page.status, headers=page.headers)
    response["X-Page-Cache"] = state
    return response


def _is_storable(request, response):
    return (
        getattr(request, "page_is_canonical", True)
        and not response.streaming
        and is_shareable(request, response)
    )


# --- What may be shared at all (also config.middleware.SharedCacheMiddleware's rule) ---------


def is_shareable(request, response):
    """A page nobody's own: a plain 200 answer to a GET or HEAD without a session, setting no
    cookie. Anything else is private."""
    return (
        request.method in ("GET", "HEAD")
        and response.status_code == 200
        and not response.cookies
        and not _has_session(request)
    )


def _has_session(request):
    session = getattr(request, "session", None)
    # session_key is read from the cookie without touching the session store.
    return session is not None and bool(session.session_key or session.modified)
