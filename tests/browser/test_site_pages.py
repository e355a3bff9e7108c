"""The contact, privacy, guidelines and terms pages in Chromium, on a phone and a desktop: axe
finds nothing, and each is reached from the footer."""

import pytest

from tests.browser.test_article_page import DESKTOP, PHONE, _violations

pytestmark = pytest.mark.django_db(transaction=True)

FOOTER_LINKS = {
    "Contact": "/contact/",
    "Privacy notice": "/privacy/",
    "Community guidelines": "/guidelines/",
    "Terms of use": "/terms/",
}


@pytest.mark.parametrize("viewport_name, viewport", [("phone", PHONE), ("desktop", DESKTOP)])
def test_each_site_page_is_reached_from_the_footer_and_passes_axe(
    page, live_server, site_pages, viewport_name, viewport, screenshot_dir
):
    page.set_viewport_size(viewport)
    found = {}
    for label, path in FOOTER_LINKS.items():
        page.goto(live_server.url + "/about/")
        page.locator(".site-footer").get_by_role("link", name=label, exact=True).click()
        page.wait_for_url(live_server.url + path)
        title = site_pages[path.strip("/")].title
        page.get_by_role("heading", level=1, name=title).wait_for()
        if violations := _violations(page):
            found[path] = violations
        name = path.strip("/")
        page.screenshot(
            path=screenshot_dir / f"site-page-{name}-{viewport_name}.png", full_page=True
        )
    assert found == {}, "\n".join(f"{path}: {v}" for path, vs in found.items() for v in vs)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"]  # the footer's links wrap rather than run off the side


def test_sign_up_page_with_its_consent_box_passes_axe_on_a_phone(
    page, live_server, site_pages, screenshot_dir
):
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/accounts/signup/")
    page.get_by_label("Email").fill("phone@example.org")
    page.get_by_label("Display name").fill("Sample Phone")
    page.locator("#id_password1").fill("correct-horse-battery")
    page.locator("#id_password2").fill("correct-horse-battery")
    consent = page.get_by_label("I agree to the community guidelines")
    assert not consent.is_checked()
    # The form is `novalidate` (the server's errors are the ones shown), so this is sent.
    page.get_by_role("button", name="Sign Up").click()
    page.get_by_text("please agree to the community guidelines").wait_for()
    assert _violations(page) == []
    page.screenshot(path=screenshot_dir / "signup-phone.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_role("link", name="privacy notice", exact=True).click()
    page.get_by_role("heading", level=1, name=site_pages["privacy"].title).wait_for()
