"""Site-level endpoints: health check, robots.txt, error pages."""

import posixpath
import sys

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseRedirect,
    HttpResponseServerError,
    JsonResponse,
)
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template import loader
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_safe
from django.views.i18n import JavaScriptCatalog
from django.views.static import serve as static_serve

from accounts import ratelimits
from comments.pictures import is_private
from kindred import languages
from kindred.uploads import protect_upload


@never_cache
@require_safe
def healthz(request):
    """For load balancers and monitors: 503 when the database is down, 200 otherwise.

    The cache is checked and reported too, but a cache outage alone keeps the 200: the site
    still serves every page without it, only slower.
    """
    checks = {"database": "ok", "cache": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        checks["database"] = "unavailable"
    is_available = getattr(cache, "is_available", None)
    if is_available is not None and not is_available():
        checks["cache"] = "unavailable"
    status = 503 if checks["database"] != "ok" else 200
    return JsonResponse(
        {"status": "ok" if status == 200 else "unavailable", **checks}, status=status
    )


@require_GET
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /accounts/",
        "Disallow: /account/",
        "Disallow: /subscribe/",
        "Disallow: /unsubscribe/",
        f"Sitemap: {settings.SITE_URL}/sitemap.xml",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


def permission_denied(request, exception=None):
    """A page a visitor may not open: in the admin's look for admin pages (a moderator who
    followed a link to articles, say), in the site's for the rest."""
    in_admin = request.path.startswith("/admin/")
    template = "admin/403.html" if in_admin else "403.html"
    context = {"site_name": settings.SITE_NAME}
    if in_admin:
        from django.contrib import admin

        context.update(admin.site.each_context(request), title=gettext("Not for your role"))
    return render(request, template, context, status=403)


def server_error(request):
    """The 500 page, rendered without the request so it works when little else does.

    When the error is the database being unreachable, it is a 503 "back soon" page instead:
    nothing is wrong with what the visitor did, and the site recovers by itself when the
    database returns (each request opens a fresh connection after a failed one).
    """
    error = sys.exc_info()[1]
    if isinstance(error, (OperationalError, InterfaceError)):
        page = loader.get_template("503.html").render({"site_name": settings.SITE_NAME})
        response = HttpResponse(page, status=503)
        response["Retry-After"] = "30"
        response["Cache-Control"] = "no-store"
        return response
    page = loader.get_template("500.html").render({"site_name": settings.SITE_NAME})
    return HttpResponseServerError(page)


@never_cache
@require_GET
def csrf_token(request):
    """A CSRF token for forms on shared, cached pages (see static/js/site.js)."""
    return JsonResponse({"token": get_token(request)})


def _is_same_origin(request):
    """True unless the browser says the form came from another site."""
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("Origin")
    return origin is None or origin in (
        settings.SITE_URL,
        f"{request.scheme}://{request.get_host()}",
    )


def csrf_failure(request, reason=""):
    """A form arrived without a valid CSRF token.

    Forms on cached pages get their token from JavaScript. Without JavaScript, the few forms
    listed in CSRF_RESEND_VIEWS (subscribe, post a comment) land here and are offered once more
    with a token, so nothing typed is lost. Anything else, or anything sent from another site,
    gets a plain refusal: resending it would let other sites act for the visitor.
    """
    try:
        view_name = resolve(request.path_info).view_name
    except Resolver404:
        view_name = ""
    if view_name not in settings.CSRF_RESEND_VIEWS or not _is_same_origin(request):
        return render(request, "403_csrf.html", status=403)
    fields = [
        (name, value)
        for name, values in request.POST.lists()
        if name != "csrfmiddlewaretoken" and "password" not in name.lower()
        for value in values
    ]
    return render(request, "csrf_failure.html", {"fields": fields[:50]}, status=403)


@require_http_methods(["GET", "POST"])
def set_language(request):
    """The footer's language switcher: `language` and the page to go back to (`next`).

    A visitor's choice is a cookie, so it is a GET form that works on cached pages and without
    JavaScript. A member's page sends a POST (with its CSRF token), which also saves the choice
    on the account for their pages and mails; a GET never changes an account."""
    data = request.POST if request.method == "POST" else request.GET
    next_url = data.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    language = languages.supported(data.get("language", ""))
    if language is None:
        messages.error(request, gettext("That language is not offered on this site."))
        return response
    if request.method == "POST" and request.user.is_authenticated:
        if not ratelimits.hit("set-language", request.user.pk, *settings.LANGUAGE_RATE_LIMIT):
            messages.error(
                request,
                gettext("You changed the language many times. Please try again in an hour."),
            )
            return response
        if request.user.language != language:
            request.user.language = language
            request.user.save(update_fields=["language"])
    languages.remember(response, language)
    return response


@require_GET
@cache_control(public=True, max_age=3600)
def javascript_catalog(request, language):
    """The strings static/js/*.js show, in `language` (Django's JavaScript catalog): one
    address per language, so browsers and proxies may keep it. Our catalog is in LOCALE_PATHS,
    which is always read; naming one app of ours keeps out the admin's and allauth's, which no
    page of ours needs."""
    if languages.supported(language) is None:
        raise Http404
    with translation.override(language):
        response = JavaScriptCatalog.as_view(packages=["accounts"])(request)
    response["Content-Language"] = language  # the catalog's, not the visitor's
    return response


@require_GET
def media(request, path):
    """Uploaded files, when no web server or object store serves them (SERVE_MEDIA).

    Pictures are re-encoded on upload; still, a file is only ever sent as an image type named by
    its extension, with nosniff and a sandboxing policy, so it cannot run as a page. Pictures of
    posts that are not published live under the private prefix and are never served here (their
    author and staff see them through comments.views.picture).
    """
    if is_private(posixpath.normpath(path).lstrip("/").casefold()):  # PRIVATE/ on macOS, too
        raise Http404
    response = static_serve(request, path, document_root=settings.MEDIA_ROOT)
    protect_upload(response, path)
    # Revalidated on every view (a cheap 304): a picture deleted by a moderator stops showing
    # at once, in browsers and shared caches alike.
    response["Cache-Control"] = "public, no-cache"
    return response
