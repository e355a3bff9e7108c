"""Site-wide response headers: the content security policy and shared-cache rules."""

from django.conf import settings
from django.utils.cache import patch_cache_control, patch_vary_headers

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    """No inline script or style anywhere: every page gets the same strict policy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response


def _has_session(request):
    session = getattr(request, "session", None)
    # session_key is read from the cookie without touching the session store.
    return session is not None and bool(session.session_key or session.modified)


class SharedCacheMiddleware:
    """Anonymous pages may be kept by shared caches; anything tied to a visitor is private.

    A page is private when the visitor has a session (a member, or a guest who shared name and
    email) or when the response sets a cookie (a CSRF token, say): such a page must never be
    served to somebody else.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.has_header("Cache-Control"):
            return response
        patch_vary_headers(response, ["Cookie"])
        is_cacheable = (
            request.method in ("GET", "HEAD")
            and response.status_code == 200
            and not response.cookies
            and not _has_session(request)
        )
        if is_cacheable:
            patch_cache_control(response, public=True, max_age=settings.PUBLIC_CACHE_SECONDS)
        else:
            patch_cache_control(response, private=True, no_cache=True)
        return response
