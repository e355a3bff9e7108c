"""Whole pages for anonymous readers, kept in the shared cache (Redis: every server).

A view opts in with the `cache_page` decorator, which declares what the page shows besides its
address: the freshness counters it depends on (kindred.freshness), how long it may be kept at
most, and the query parameters it answers to. `PageCacheMiddleware`, near the top of the
stack, reads that declaration from the view the address resolves to (as CsrfViewMiddleware
reads `csrf_exempt`) and answers a hit before sessions, auth, templates or the database: one
cache round trip for the counters when this process served the copy lately, two otherwise.
Measured by bench/load: a hit that went through the whole stack to the decorator ran at 0.3x
the minimal Django view (target 0.5x); answered here, with the bodies a process served kept
in it, at 0.6x, as before this contract.

A copy is stored with the counters' values read before it was made, and served only while the
counters still hold them, so a change made while a page renders makes that copy stale at once.
When a copy is stale, one request re-renders it (a short lock) and the others get the previous
copy meanwhile (`X-Page-Cache: stale`), so a busy page is not rendered fifty times at once; if
that render fails (the database gone), the previous copy is served too (`stale-if-error`). Only
GETs without a session or cookies (other than the CSRF cookie, which changes nothing on the
page, and the language switcher's) get or fill the cache, and only at canonical addresses:
each parameter one of the values the page's own links write, and nothing the view calls
`not_canonical`. Copies are kept per language (kindred/languages.py `of_visitor`). A page to
be kept is made from a read replica only when that has replayed all the primary held when the
stamp was read (kindred/replicas.py), so no copy is older than its stamp.
"""

import functools
import hashlib
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_protect

from kindred import freshness, languages

LOCK_SECONDS = 10


@dataclass(frozen=True)
class _Policy:
    """What a view declared with `cache_page`."""

    depends_on: object
    patterns: dict
    expires: object


@dataclass(frozen=True)
class _Page:
    counters: tuple  # the freshness keys the page depends on
    stamp: tuple  # their values when the page was made
    status: int
    headers: dict  # as the whole stack answered them
    content: bytes
    expires_at: float


def cache_page(*, depends_on, parameters=None, expires=None):
    """Keep the view's page for anonymous readers until what it shows changes.

    `depends_on(request, *args, **kwargs)` names the freshness counters the page shows (asked
    only when the page is rendered); `expires()` the most seconds a copy may be kept (also
    asked only then), never more than PAGE_CACHE_SECONDS; `parameters` maps each query
    parameter the page answers to onto a regular expression of its canonical values. A request
    with any other parameter or value is served but never stored.
    """
    policy = _Policy(
        depends_on,
        {name: re.compile(pattern) for name, pattern in (parameters or {}).items()},
        expires,
    )

    def decorator(view):
        # Django's advice for caching decorators: a CSRF cookie asked for while rendering is
        # then on the response before it is stored, so such a page is never shared.
        view = csrf_protect(view)

        @functools.wraps(view)
        def cached_view(request, *args, **kwargs):
            if getattr(request, "page_cache_key", None) is not None:
                # Read before the page is made: a change made while it renders is newer.
                counters = tuple(depends_on(request, *args, **kwargs))
                request.page_cache_stamp = (counters, freshness.current(counters))
            return view(request, *args, **kwargs)

        cached_view.page_cache_policy = policy
        return cached_view

    return decorator


class _Kept:
    """The copies this process served lately (whether one is current is always asked of the
    shared cache), at most `size` of them, the least recently used going first."""

    def __init__(self, size):
        self.size = size
        self._pages = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key, page):
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)

    def drop(self, key):
        with self._lock:
            self._pages.pop(key, None)


_kept = _Kept(size=200)


class PageCacheMiddleware:
    """Answers hits of the views that opted in with `cache_page`, and stores their pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _may_share(request):
            return self.get_response(request)
        request.get_host()  # an unknown Host is refused (400) before anything is looked up
        page_key = _page_key(_address(request), languages.of_visitor(request))
        # A copy this process served lately needs only its counters from the shared cache. It
        # answers hits only: a stale answer is always the shared cache's copy. Only a view that
        # opted in made it, for this address with canonical values only: no need to ask which
        # view the address goes to (resolving it cost a fifth of a hit).
        kept = _kept.get(page_key)
        if kept is not None and kept.expires_at > time.time() and _is_current(kept):
            return _replay(kept, "hit")
        policy = _policy_for(request)
        if policy is None:
            return self.get_response(request)
        stored = cache.get(page_key)
        if stored is not None and _is_current(stored):
            _kept.put(page_key, stored)
            return _replay(stored, "hit")
        lock_key = f"{page_key}:lock"
        if stored is not None and not cache.add(lock_key, 1, LOCK_SECONDS):
            return _replay(stored, "stale")  # somebody else is rendering the new copy
        request.page_cache_key = page_key
        try:
            response = self.get_response(request)
            stamp = getattr(request, "page_cache_stamp", None)
            if stamp is not None and stamp[1] is not None and _is_storable(request, response):
                timeout = settings.PAGE_CACHE_SECONDS
                if policy.expires is not None:
                    timeout = min(timeout, policy.expires())
                timeout = min(timeout, getattr(request, "page_cache_most_seconds", timeout))
                headers = {k: v for k, v in response.items() if k != "X-Page-Cache"}
                page = _Page(
                    *stamp, response.status_code, headers, response.content, time.time() + timeout
                )
                cache.set(page_key, page, timeout)
                _kept.put(page_key, page)
                response["X-Page-Cache"] = "miss"
            elif stored is not None and response.status_code >= 500:
                # The re-render failed (the database gone, say): the last good copy beats an
                # error page (stale-if-error); the next request tries to render again.
                response = _replay(stored, "stale-if-error")
            elif stored is not None:
                # Gone, or no longer for everyone: no stale copy.
                cache.delete(page_key)
                _kept.drop(page_key)
        finally:
            if stored is not None:
                cache.delete(lock_key)
        return response


def _is_current(page):
    return freshness.read(page.counters) == page.stamp


def _may_share(request):
    """Whether the request may use the page cache at all: a GET by a visitor with no cookie
    but perhaps a CSRF token and the language switcher's (the page is kept per language)."""
    return (
        settings.PAGE_CACHE_SECONDS > 0
        and request.method == "GET"
        and set(request.COOKIES) <= {settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME}
    )


def _policy_for(request):
    """The declaration of the view this request goes to, when it opted in and the request
    has only the parameters it accepts, with canonical values; else None."""
    try:
        view = resolve(request.path_info).func
    except Resolver404:
        return None
    policy = getattr(view, "page_cache_policy", None)
    if policy is None or not all(
        name in policy.patterns and len(values) == 1 and policy.patterns[name].fullmatch(values[0])
        for name, values in request.GET.lists()
    ):
        return None
    return policy


def will_keep(request):
    """Whether the page the request is making may be kept: its stamp was read before it was
    made, and the copy will be trusted for as long as the stamp holds."""
    stamp = getattr(request, "page_cache_stamp", None)
    return stamp is not None and stamp[1] is not None


def not_canonical(request):
    """Said by a view whose page answers to another address (a comment page past the last
    one, a parameter the page ignores): the page is served but not stored, so made-up
    parameter values add no entries to the cache."""
    request.page_is_canonical = False


def keep_at_most(request, seconds):
    """Said by a view (or a part of its page) that shows something going out of date by
    itself, such as "5 minutes ago": a copy of the page is kept at most `seconds`."""
    request.page_cache_most_seconds = min(
        seconds, getattr(request, "page_cache_most_seconds", seconds)
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
