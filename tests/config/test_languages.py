"""The languages a page is in (kindred/languages.py), the footer's switcher (config/views.py
set_language), the page cache kept per language (kindred/page_cache.py) and Django's
JavaScript catalog per language (config/views.py javascript_catalog)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def _lang(response):
    """The `lang` of the page's <html> element."""
    found = re.search(r'<html lang="([^"]*)"', response.content.decode())
    assert found, "the page has no <html lang>"
    return found[1]


def _home(client, **headers):
    response = client.get("/", headers=headers)
    assert response.status_code == 200
    return response


# --- An anonymous visitor's language: Accept-Language, else English ---------------------------


def test_a_visitor_whose_browser_asks_for_spanish_gets_spanish(client):
    response = _home(client, accept_language="es")
    assert _lang(response) == "es"
    assert response["Content-Language"] == "es"
    assert "Accept-Language" in response["Vary"]


def test_a_visitor_whose_browser_says_nothing_gets_english(client):
    response = _home(client)
    assert _lang(response) == "en"
    assert response["Content-Language"] == "en"
    assert "Accept-Language" in response["Vary"]


def test_a_browser_asking_for_a_language_the_site_does_not_speak_gets_english(client):
    response = _home(client, accept_language="fr-FR,de;q=0.8")
    assert _lang(response) == "en" and response["Content-Language"] == "en"


def test_a_regional_variant_gets_its_language(client):
    assert _lang(_home(client, accept_language="es-MX,es;q=0.9")) == "es"


# --- The footer's switcher: a GET for visitors ------------------------------------------------


def test_the_switcher_sets_the_language_cookie_and_goes_back(client):
    response = client.get("/language/", {"language": "es", "next": "/some/path/"})
    assert response.status_code == 302
    assert response["Location"] == "/some/path/"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "es"
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == settings.LANGUAGE_COOKIE_AGE


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/", "https:evil.example", "javascript:alert(1)", ""],
)
def test_the_switcher_never_sends_a_visitor_to_another_site(client, next_url):
    response = client.get("/language/", {"language": "es", "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"


def test_a_language_the_site_does_not_offer_sets_no_cookie_and_says_so(client):
    response = client.get("/language/", {"language": "xx", "next": "/some/path/"})
    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    page = client.get("/")
    assert "That language is not offered on this site." in page.content.decode()
    assert _lang(page) == "en"


def test_the_cookie_rules_over_the_browsers_accept_language(client):
    client.get("/language/", {"language": "es", "next": "/"})
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    response = _home(client, accept_language="en")
    assert _lang(response) == "es" and response["Content-Language"] == "es"

    client.get("/language/", {"language": "en", "next": "/"})
    assert _lang(_home(client, accept_language="es")) == "en"


def test_the_switcher_offers_each_language_named_in_itself(client):
    page = _home(client).content.decode()
    assert 'action="/language/" method="get"' in page
    assert 'name="language" value="en" lang="en" aria-current="true">English</button>' in page
    assert 'name="language" value="es" lang="es">Español</button>' in page
    assert 'name="csrfmiddlewaretoken"' not in page.split('class="site-footer__languages"')[1]


# --- A member: their account's language comes first; a POST saves it -----------------------


def test_a_members_own_language_rules_over_cookie_and_browser(member):
    member.language = "es"
    member.save(update_fields=["language"])
    browser = Client()
    browser.force_login(member)
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = _home(browser, accept_language="en")
    assert _lang(response) == "es" and response["Content-Language"] == "es"


def test_a_member_without_a_language_of_their_own_gets_the_browsers(member):
    browser = Client()
    browser.force_login(member)
    assert _lang(_home(browser, accept_language="es")) == "es"
    assert _lang(_home(browser)) == "en"


def test_a_members_switcher_is_a_post_with_its_token(member):
    browser = Client()
    browser.force_login(member)
    footer = _home(browser).content.decode().split('class="site-footer__languages"')[1]
    assert 'method="post"' in footer.split(">")[0]
    assert 'name="csrfmiddlewaretoken"' in footer


def test_a_members_post_saves_their_language(member):
    browser = Client()
    browser.force_login(member)
    response = browser.post("/language/", {"language": "es", "next": "/some/path/"})
    assert response.status_code == 302 and response["Location"] == "/some/path/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    member.refresh_from_db()
    assert member.language == "es"
    # Their pages follow the account, whatever the browser says.
    browser.cookies.pop(settings.LANGUAGE_COOKIE_NAME)
    assert _lang(_home(browser, accept_language="en")) == "es"


def test_a_members_get_changes_the_cookie_but_never_the_account(member):
    browser = Client()
    browser.force_login(member)
    response = browser.get("/language/", {"language": "es", "next": "/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    member.refresh_from_db()
    assert member.language == ""


def test_a_members_post_of_an_unknown_language_changes_nothing(member):
    member.language = "es"
    member.save(update_fields=["language"])
    browser = Client()
    browser.force_login(member)
    response = browser.post("/language/", {"language": "xx", "next": "/"})
    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    member.refresh_from_db()
    assert member.language == "es"


def test_the_members_post_needs_its_csrf_token(member):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)
    response = browser.post("/language/", {"language": "es", "next": "/"})
    assert response.status_code == 403
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    member.refresh_from_db()
    assert member.language == ""


def test_the_members_post_with_its_token_is_accepted(member):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)
    page = _home(browser).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    response = browser.post(
        "/language/", {"language": "es", "next": "/", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.language == "es"


def test_the_switcher_takes_no_other_method(client):
    assert client.put("/language/").status_code == 405


# --- The page cache: one copy per language -----------------------------------------------------


def _article_page(article, **headers):
    """The article page for a fresh anonymous browser."""
    response = Client().get(article.get_absolute_url(), headers=headers)
    assert response.status_code == 200
    return response


def test_the_page_cache_keeps_one_copy_per_language(article):
    english = _article_page(article, accept_language="en")
    spanish = _article_page(article, accept_language="es")
    assert english["X-Page-Cache"] == "miss" and spanish["X-Page-Cache"] == "miss"
    assert _lang(english) == "en" and _lang(spanish) == "es"

    english_again = _article_page(article, accept_language="en")
    spanish_again = _article_page(article, accept_language="es")
    assert english_again["X-Page-Cache"] == "hit" and spanish_again["X-Page-Cache"] == "hit"
    assert _lang(english_again) == "en" and english_again["Content-Language"] == "en"
    assert _lang(spanish_again) == "es" and spanish_again["Content-Language"] == "es"
    assert english_again.content == english.content
    assert spanish_again.content == spanish.content
    assert "Accept-Language" in spanish_again["Vary"]


def test_a_visitor_with_the_language_cookie_still_gets_cached_pages(article):
    def with_cookie():
        browser = Client()
        browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
        response = browser.get(article.get_absolute_url(), headers={"accept_language": "en"})
        assert response.status_code == 200
        return response

    first = with_cookie()
    assert first["X-Page-Cache"] == "miss"
    second = with_cookie()
    assert second["X-Page-Cache"] == "hit"
    assert _lang(second) == "es"
    assert "public" in second["Cache-Control"] and "private" not in second["Cache-Control"]
    assert not second.cookies
    # The cookie's Spanish copy is the one a Spanish browser gets too, and not the English one.
    assert _article_page(article, accept_language="es")["X-Page-Cache"] == "hit"
    assert _article_page(article, accept_language="en")["X-Page-Cache"] == "miss"


def test_the_cached_english_page_is_as_before(article):
    """The helper other tests use to read a cached page still gets the English page."""
    from tests.conftest import cached_page

    assert '<html lang="en">' in cached_page(article)


# --- Django's JavaScript catalog, one address per language -------------------------------------


def test_the_javascript_catalog_answers_per_language(client):
    for code, _name in settings.LANGUAGES:
        response = client.get(f"/jsi18n/{code}/")
        assert response.status_code == 200
        assert "javascript" in response["Content-Type"]
        assert "public" in response["Cache-Control"]
        assert "django.gettext = function" in response.content.decode()


def test_the_javascript_catalog_of_a_language_the_site_does_not_speak_is_not_found(client):
    assert client.get("/jsi18n/xx/").status_code == 404


def test_the_javascript_catalog_says_its_own_language(client):
    response = client.get("/jsi18n/es/", headers={"accept_language": "en"})
    assert response["Content-Language"] == "es"


def test_the_spanish_javascript_catalog_holds_the_spanish_words(client):
    content = client.get("/jsi18n/es/").content.decode()
    assert '"Sending\\u2026"' in content or '"Sending…"' in content
    assert "Enviando" in content


@pytest.mark.parametrize("code", [code for code, _name in settings.LANGUAGES])
def test_each_page_loads_its_languages_catalog_before_site_js(client, code):
    page = _home(client, accept_language=code).content.decode()
    catalog = page.find(f'<script src="/jsi18n/{code}/"')
    site_js = page.find("js/site.js")
    assert catalog != -1 and site_js != -1
    assert catalog < site_js


# --- The bare error pages, rendered without a request ------------------------------------------


@pytest.mark.parametrize("template", ["500.html", "503.html"])
def test_the_bare_error_pages_say_the_current_language(template):
    from django.template import loader
    from django.utils import translation

    page = loader.get_template(template)
    assert '<html lang="en">' in page.render({"site_name": "Kindred"})
    with translation.override("es"):
        assert '<html lang="es">' in page.render({"site_name": "Kindred"})
