"""Values every template may use."""

from django.conf import settings


def site(request):
    return {
        "site_name": settings.SITE_NAME,
        "site_tagline": settings.SITE_TAGLINE,
        "site_url": settings.SITE_URL,
    }
