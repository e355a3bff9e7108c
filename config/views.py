"""Site-level endpoints: health check, robots.txt, error pages."""

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template import loader
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


def csrf_failure(request, reason=""):
    """A form arrived without a valid CSRF token: offer to send the same fields again, with one.

    Forms on cached pages get their token from JavaScript; without it, this page is the
    interstitial that carries a token, so nothing the reader typed is lost.
    """
    fields = [
        (name, value)
        for name, values in request.POST.lists()
        if name != "csrfmiddlewaretoken"
        for value in values
    ]
    return render(request, "csrf_failure.html", {"fields": fields[:50]}, status=403)
