"""Site-wide request handling: request logs, security headers and shared-cache rules.

The Content-Security-Policy itself comes from django-csp (settings.CONTENT_SECURITY_POLICY).
"""

import logging
import re
import time
import uuid

from django.conf import settings
from django.db import DatabaseError
from django.utils.cache import patch_cache_control, patch_vary_headers

from kindred.page_cache import is_shareable
from kindred.secret_links import hide_in_path

request_log = logging.getLogger("kindred.request")
proxy_log = logging.getLogger("kindred.proxy")


# What a load balancer's request id looks like; anything else (newlines, quotes, very long
# values) is a client's attempt to write into our logs, and gets an id of our own instead.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class EdgeMiddleware:
    """First in line: the client's real address behind proxies, and the health check.

    With TRUSTED_PROXY_COUNT=N, the address N places from the right of X-Forwarded-For (what
    the outermost of our own proxies saw) becomes REMOTE_ADDR, so rate limits and logs count
    visitors, not the proxy. Entries further left are the client's own claims and are ignored.
    A request that does not fit the setting (a forwarded header with no proxy configured, or
    fewer hops than proxies) is logged once per process: the setting is probably wrong.

    /healthz is answered here, before the host check and the HTTPS redirect: load balancers
    probe app servers by IP address over plain HTTP.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self._warned = set()  # each misconfiguration is logged once per process

    def __call__(self, request):
        if request.path == "/healthz":
            # Probes come straight from the balancer or the container's own check, without
            # the proxies' hops: they need no address and would only raise false warnings.
            from config.views import healthz

            return healthz(request)
        count = settings.TRUSTED_PROXY_COUNT
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if count:
            hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
            if len(hops) >= count:
                request.META["REMOTE_ADDR"] = hops[-count]
            else:
                self._warn_once(
                    "fewer-hops",
                    "A request came with %d X-Forwarded-For address(es) but "
                    "TRUSTED_PROXY_COUNT=%d: either fewer proxies stand in front than configured "
                    "(set TRUSTED_PROXY_COUNT to their number) or somebody reaches the app "
                    "without passing them (bind it to a private address).",
                    len(hops),
                    count,
                )
        elif forwarded:
            self._warn_once(
                "unexpected-header",
                "A request came with X-Forwarded-For while TRUSTED_PROXY_COUNT=0: the header "
                "is ignored and every visitor is counted by the address that connected. If a "
                "proxy of ours stands in front, set TRUSTED_PROXY_COUNT to the number of proxies.",
            )
        return self.get_response(request)

    def _warn_once(self, what, message, *args):
        if what not in self._warned:
            self._warned.add(what)
            proxy_log.warning(message, *args)


class RequestLogMiddleware:
    """One JSON line per request on stdout (see kindred/logs.py), with a request id.

    The id comes from the load balancer's X-Request-ID when it sends one in a safe format (1-64
    of A-Z a-z 0-9 . _ -), and is returned in the response so a user's report can be matched
    with the log. No names, emails or cookies.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.REQUEST_LOG:
            return self.get_response(request)
        started = time.perf_counter()
        request_id = request.headers.get("X-Request-ID", "")
        if not _REQUEST_ID.fullmatch(request_id):
            request_id = uuid.uuid4().hex
        response = self.get_response(request)
        response.headers.setdefault("X-Request-ID", request_id)
        request_log.info(
            "request",
            extra={
                "request_id": request_id,
                "method": request.method,
                "path": hide_in_path(request.path),
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "bytes": len(response.content) if not response.streaming else None,
                "user_id": _user_id(request),
                "remote_addr": request.META.get("REMOTE_ADDR"),
            },
        )
        return response


def _user_id(request):
    """The member's id for the log line. Reading it may need the database (the session's user):
    during an outage that fails as the view did, and must not cost the answer its log line."""
    user = getattr(request, "user", None)
    try:
        return user.pk if user is not None and user.is_authenticated else None
    except DatabaseError:
        return None


class PermissionsPolicyMiddleware:
    """Turn off browser features the site never uses (camera, microphone, location, ...)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


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
        if is_shareable(request, response):
            patch_cache_control(response, public=True, max_age=settings.PUBLIC_CACHE_SECONDS)
        else:
            patch_cache_control(response, private=True, no_cache=True)
        return response
