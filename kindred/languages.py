"""Which language a page or a mail is in.

A page: the member's own choice (their account setting, which the footer's switcher also
saves), else the browser's cookie from the footer's switcher, else its Accept-Language, else
LANGUAGE_CODE. Anonymous pages are cached per language (kindred/page_cache.py), and the answer
says so (`Vary: Accept-Language`, beside the `Vary: Cookie` every page has).

A mail: the recipient's language (accounts.mail.recipient_language), whoever's request or
task sends it.
"""

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers

CODES = frozenset(code for code, _name in settings.LANGUAGES)


def supported(code):
    """`code` when the site speaks it, else None."""
    return code if code in CODES else None


def of_request(request):
    """The language of the page this request gets."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and supported(user.language):
        return user.language
    return of_visitor(request)


def of_visitor(request):
    """The language for a visitor without an account setting: the switcher's cookie, else the
    browser's Accept-Language. Read before sessions and auth by the page cache."""
    return translation.get_language_from_request(request)


class LanguageMiddleware:
    """Activates the request's language (`of_request`) while the view runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = of_request(request)
        request.LANGUAGE_CODE = language
        with translation.override(language):
            response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", language)
        return response


def remember(response, language):
    """The browser keeps `language` (the footer's switcher, a member's saved setting) in the
    language cookie: for a visitor's pages, and a member's once they sign out."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=True,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
