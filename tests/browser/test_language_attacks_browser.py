"""Findings of an outside review of the languages feature, in Chromium: a new Spanish-speaking
member at phone width (390 px)."""

import pytest

from tests.articles.test_translations import translate
from tests.browser.test_article_page import _violations

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def spanish_phone(browser):
    context = browser.new_context(locale="es-ES", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def _log_in_in_spanish(page, base_url, email="member@example.org"):
    page.goto(base_url + "/accounts/login/")
    page.get_by_label("Correo electrónico").fill(email)
    page.locator("#id_password").fill("a-long-test-password")
    page.get_by_role("button", name="Iniciar sesión").click()
    page.locator(".site-nav__who").wait_for()


@pytest.mark.default_moderation
def test_a_new_members_first_post_does_not_widen_the_phone_page(
    spanish_phone, live_server, article, verified_member, settings, screenshot_dir
):
    """A new member's first post waits for a moderator and carries the badge "Esperando
    revisión: solo tú la ves hasta que un moderador la haya leído". The badge does not wrap
    (Bootstrap's .badge is white-space: nowrap), so at 390 px the whole page scrolls sideways:
    490 px wide in Spanish (438 px in English, whose sentence is shorter). axe does not see it."""
    settings.COMMENTS_READ_GATE = False
    settings.COMMENTS_MIN_FILL_SECONDS = 0
    verified_member.language = "es"
    verified_member.save(update_fields=["language"])
    translate(article)
    page = spanish_phone
    _log_in_in_spanish(page, live_server.url)
    page.goto(live_server.url + article.get_absolute_url())
    page.get_by_label("Tu publicación").fill("Los estiramientos por la mañana me ayudan.")
    page.get_by_role("button", name="Publicar", exact=True).click()
    page.locator(".badge-waiting").wait_for()
    page.screenshot(path=screenshot_dir / "review-es-waiting-badge.png", full_page=True)
    assert _violations(page) == []
    widths = page.evaluate(
        "() => [document.documentElement.clientWidth, document.documentElement.scrollWidth]"
    )
    assert widths[1] <= widths[0], f"the page is {widths[1]} px wide in a {widths[0]} px screen"
