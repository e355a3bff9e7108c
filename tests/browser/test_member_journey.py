"""A new member's whole journey in Chromium, and a reader subscribing from a cached page."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.models import Subscriber, User
from tests.browser.test_article_page import _violations

pytestmark = pytest.mark.django_db(transaction=True)


def _check(page):
    assert _violations(page) == [], page.url


def test_sign_up_verify_log_in_change_a_setting_log_out(page, live_server, screenshot_dir):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Sign up").click()
    _check(page)
    page.get_by_label("Email").fill("journey@example.org")
    page.get_by_label("Display name").fill("Sample Traveller")
    page.locator("#id_password1").fill("correct-horse-battery")
    page.locator("#id_password2").fill("correct-horse-battery")
    page.get_by_label("I agree to the community guidelines").check()
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_url(re.compile(r"/accounts/confirm-email/$"))
    _check(page)

    path = re.search(r"/accounts/confirm-email/[^/\s]+/", mail.outbox[-1].body).group(0)
    page.goto(live_server.url + path)
    _check(page)
    page.get_by_role("button", name="Confirm").click()

    page.goto(live_server.url + "/accounts/login/")
    _check(page)
    page.get_by_label("Email").fill("journey@example.org")
    page.locator("#id_password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign In").click()
    page.locator(".site-nav__who").wait_for()

    page.get_by_role("link", name="Sample Traveller").click()
    _check(page)
    page.get_by_label("Display name").fill("Sample Wanderer")
    page.get_by_label("Email me new articles as they are published").check()
    page.get_by_role("button", name="Save settings").click()
    page.get_by_text("Your settings are saved.").wait_for()
    _check(page)
    page.screenshot(path=str(screenshot_dir / "account-settings.png"), full_page=True)
    user = User.objects.get(email="journey@example.org")
    assert user.display_name == "Sample Wanderer"
    assert Subscriber.objects.get(user=user).is_subscribed

    for path in ["/accounts/email/", "/accounts/password/change/", "/account/delete/"]:
        page.goto(live_server.url + path)
        _check(page)

    page.get_by_role("button", name="Log out").click()
    page.get_by_role("link", name="Log in").wait_for()
    assert page.locator(".site-nav__who").count() == 0


def test_reader_subscribes_from_the_cached_article_page(page, live_server, article):
    page.goto(live_server.url + article.get_absolute_url())
    sidebar = page.get_by_role("region", name="New articles by email")
    sidebar.get_by_label("Your name").fill("Sample Reader")
    sidebar.get_by_label("Your email").fill("reader@example.org")
    # The token site.js fetches (a locator waits outside the page: no eval under the CSP).
    expect(page.locator(".sidebar-subscribe input[name=csrfmiddlewaretoken]")).to_have_value(
        re.compile(".")
    )
    sidebar.get_by_role("button", name="Subscribe").click()
    page.get_by_role("heading", name="Check your inbox").wait_for()
    _check(page)

    path = re.search(r"/subscribe/confirm/[^/\s]+/", mail.outbox[-1].body).group(0)
    page.goto(live_server.url + path)
    _check(page)
    page.get_by_role("button", name="Confirm my email address").click()
    page.get_by_role("heading", name="Thank you for subscribing!").wait_for()
    _check(page)
    assert Subscriber.objects.get().is_subscribed


def test_without_javascript_the_form_asks_once_more(browser, live_server, article):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + article.get_absolute_url())
    sidebar = page.get_by_role("region", name="New articles by email")
    sidebar.get_by_label("Your name").fill("Sample Reader")
    sidebar.get_by_label("Your email").fill("nojs@example.org")
    sidebar.get_by_role("button", name="Subscribe").click()
    page.get_by_role("heading", name="Please send that again").wait_for()
    page.get_by_role("button", name="Send again").click()
    page.get_by_role("heading", name="Check your inbox").wait_for()
    assert Subscriber.objects.filter(email="nojs@example.org").exists()
    context.close()
