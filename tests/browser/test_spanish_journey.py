"""The site in Spanish, in Chromium: a browser that asks for Spanish signs up, confirms from the
Spanish mail, posts under a Spanish article, and switches language from the footer."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.models import User
from comments.models import Comment
from tests.articles.test_translations import SPANISH, translate
from tests.browser.test_article_page import _violations

pytestmark = pytest.mark.django_db(transaction=True)


def _check(page):
    assert _violations(page) == [], page.url
    assert page.locator("html").get_attribute("lang") == "es"


@pytest.fixture
def spanish_page(browser):
    context = browser.new_context(locale="es-ES", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_sign_up_confirm_from_the_spanish_mail_and_post(
    spanish_page, live_server, article, settings, screenshot_dir
):
    settings.COMMENTS_READ_GATE = False
    translate(article)
    page = spanish_page
    page.goto(live_server.url + "/")
    _check(page)
    page.get_by_role("link", name="Regístrate").first.click()
    _check(page)
    page.get_by_label("Correo electrónico").fill("viajera@example.org")
    page.get_by_label("Nombre visible").fill("Viajera de muestra")
    page.locator("#id_password1").fill("caballo-correcto-bateria")
    page.locator("#id_password2").fill("caballo-correcto-bateria")
    page.get_by_label("Acepto las normas de la comunidad").check()
    page.get_by_role("button", name="Registrarse").click()
    page.wait_for_url(re.compile(r"/accounts/confirm-email/$"))
    _check(page)
    page.screenshot(path=screenshot_dir / "es-sign-up-sent.png", full_page=True)

    member = User.objects.get(email="viajera@example.org")
    assert member.language == "es"  # the page's language at sign-up
    confirmation = mail.outbox[-1]
    assert confirmation.to == ["viajera@example.org"]
    assert "Confirm" not in confirmation.subject and "correo" in confirmation.subject.lower()
    assert "Privacy notice" not in confirmation.body and "Aviso de privacidad" in confirmation.body
    path = re.search(r"/accounts/confirm-email/[^/\s]+/", confirmation.body).group(0)
    page.goto(live_server.url + path)
    _check(page)
    page.get_by_role("button", name="Confirmar").click()

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Correo electrónico").fill("viajera@example.org")
    page.locator("#id_password").fill("caballo-correcto-bateria")
    page.get_by_role("button", name="Iniciar sesión").click()
    page.locator(".site-nav__who").wait_for()

    page.goto(live_server.url + article.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text(SPANISH["title_es"])
    _check(page)
    page.get_by_label("Tu publicación").fill("Los estiramientos por la mañana me ayudan.")
    page.get_by_role("button", name="Publicar", exact=True).click()
    posted = page.locator(".comment", has_text="Los estiramientos por la mañana me ayudan.")
    posted.wait_for()
    _check(page)
    page.screenshot(path=screenshot_dir / "es-posted.png", full_page=True)
    assert Comment.objects.get().author_user == member

    # The footer's switcher, on a member's page: a form that also saves the account's choice.
    page.locator(".site-footer__languages").get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text(article.title_en)
    member.refresh_from_db()
    assert member.language == "en"


def test_a_visitor_switches_to_english_and_back_without_javascript(
    browser, live_server, article, settings
):
    settings.COMMENTS_READ_GATE = False
    translate(article)
    context = browser.new_context(locale="es-ES", java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + article.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text(SPANISH["title_es"])
    page.locator(".site-footer__languages").get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(article.title_en)
    assert page.url == live_server.url + article.get_absolute_url()
    page.locator(".site-footer__languages").get_by_role("button", name="Español").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(SPANISH["title_es"])
    context.close()
