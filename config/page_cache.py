"""Whole pages for anonymous readers, kept in the shared cache (Redis: every app server).

A page is stored under a key made of what it shows: the site's generation (bumped when anything
shown on every page changes: an article, a reviewer, a member's name), the article's own stamps,
and the address. Changing any of them makes a new key, so a published comment shows at once on
every server; old entries simply expire. Only visitors without a session or cookies (other than
the CSRF cookie, which changes nothing on the page) get or fill it.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse

GENERATION_KEY = "pages:generation"


def site_changed():
    """Something every page may show changed: no stored page is used again."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 1, None)


def _generation():
    return cache.get(GENERATION_KEY, 0)


def can_use(request):
    return (
        settings.PAGE_CACHE_SECONDS > 0
        and request.method in ("GET", "HEAD")
        and set(request.COOKIES) <= {settings.CSRF_COOKIE_NAME}
    )


def key_for(request, *stamps):
    parts = [str(_generation()), *map(str, stamps), request.get_full_path()]
    digest = hashlib.sha256("|".join(parts).encode()).hexdigest()
    return f"pages:{digest}"


def get(key):
    stored = cache.get(key)
    if stored is None:
        return None
    content, content_type = stored
    response = HttpResponse(content, content_type=content_type)
    response["X-Page-Cache"] = "hit"
    return response


def store(key, request, response, timeout):
    from config.middleware import is_shareable

    if is_shareable(request, response) and not response.streaming:
        timeout = min(settings.PAGE_CACHE_SECONDS, timeout)
        cache.set(key, (response.content, response["Content-Type"]), timeout)
        response["X-Page-Cache"] = "miss"
    return response
