"""Site-level endpoints: health check, robots.txt, error pages."""

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template import loader
from django.urls import Resolver404, resolve
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def healthz(request):
    """200 when the database answers; 503 otherwise (for load balancers and monitors)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


@require_GET
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /accounts/",
        "Disallow: /account/",
        "Disallow: /subscribe/",
        "Disallow: /unsubscribe/",
        f"Sitemap: {settings.SITE_URL}/sitemap.xml",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


def server_error(request):
    """The 500 page, rendered without the request so it works when little else does."""
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
