"""A new staff member's first visit to the admin in Chromium: mailed a link to set up an
authenticator app, which opens the set-up in the same browser; shown the recovery codes, then
let in; every page in the site's look and accessible."""

import re
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from tests.browser.test_article_page import _violations
from tests.conftest import totp_code

pytestmark = pytest.mark.django_db(transaction=True)


def test_new_staff_member_sets_up_a_second_factor_before_the_admin(
    page, live_server, django_user_model, screenshot_dir
):
    editor = django_user_model.objects.create_user(
        email="editor@example.org",
        password="a-long-test-password",
        display_name="Sample Editor",
        is_staff=True,
    )
    EmailAddress.objects.create(user=editor, email=editor.email, verified=True, primary=True)

    page.goto(live_server.url + "/admin/")
    page.get_by_label("Email").fill(editor.email)
    page.locator("#id_password").fill("a-long-test-password")
    page.get_by_role("button", name="Sign In").click()

    # The password alone does not open the set-up: a link is mailed to the verified address.
    page.get_by_role("heading", name="Check your inbox").wait_for()
    assert page.url == live_server.url + "/account/authenticator-setup/"
    assert page.get_by_text("Staff accounts need a second factor").count() == 1
    assert page.get_by_text("We have emailed you a link to set up your authenticator").count() == 1
    assert _violations(page) == [], page.url
    page.screenshot(path=screenshot_dir / "mfa-mailed-link.png", full_page=True)

    # "Send it again" mails a new link; the one before no longer works.
    page.get_by_role("button", name="Send it again").click()
    page.get_by_text("We have sent you a new link.").wait_for()
    first, second = (
        urlsplit(re.search(r"https?://\S+/account/authenticator-setup/\S+/", m.body).group(0)).path
        for m in mail.outbox
        if m.to == [editor.email]
    )
    page.goto(live_server.url + first)
    page.get_by_role("heading", name="This link does not work here").wait_for()
    assert _violations(page) == [], page.url

    # The latest link, in this browser: straight to the set-up, no password asked again.
    page.goto(live_server.url + second)
    page.get_by_role("heading", name="Activate Authenticator App").wait_for()
    assert page.url == live_server.url + "/accounts/2fa/totp/activate/"
    assert page.get_by_text("your address is confirmed").count() == 1
    assert page.locator(".site-header").count() == 1
    assert _violations(page) == [], page.url
    page.screenshot(path=screenshot_dir / "mfa-activate.png", full_page=True)

    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label("Authenticator code").fill(totp_code(secret, valid_for=10))
    page.get_by_role("button", name="Activate").click()
    page.get_by_role("heading", name="Recovery Codes").wait_for()
    assert _violations(page) == [], page.url
    page.screenshot(path=screenshot_dir / "mfa-recovery-codes.png", full_page=True)

    page.get_by_role("link", name="Continue to the admin").click()
    page.get_by_role("heading", name="Site administration").wait_for()
