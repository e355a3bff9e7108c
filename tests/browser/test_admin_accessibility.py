"""Every add and change page of the admin, as a superuser sees it in Chromium, passes axe.

Staff work in the admin for hours; a field without a name (Django's split date and time inputs
had none) is one that a screen reader user cannot fill in."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts import mail
from comments.models import Ban, BlockedAddress, CrisisResource, WatchedWord
from tests.browser.test_article_page import _violations
from tests.conftest import totp_code

pytestmark = pytest.mark.django_db(transaction=True)


def _sign_in(page, base_url, user):
    page.goto(base_url + "/admin/")
    page.get_by_label("Email").fill(user.email)
    page.locator("#id_password").fill("a-long-test-password")
    page.get_by_role("button", name="Sign In").click()
    page.get_by_label("Code").fill(totp_code(user.totp_secret, valid_for=10))
    page.get_by_role("button", name="Sign In").click()
    page.locator("#site-name").wait_for()


def _admin_pages():
    """The add page of each model, and the change page of its first row if it has one."""
    for model in admin.site._registry:
        info = model._meta.app_label, model._meta.model_name
        yield reverse("admin:{}_{}_add".format(*info))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            yield reverse("admin:{}_{}_change".format(*info), args=[first.pk])


def test_every_admin_form_passes_axe(
    page,
    live_server,
    staff,
    article,
    make_comment,
    make_subscriber,
    verified_member,
    site_pages,
    screenshot_dir,
):
    from comments import appeal_links, appeals, public_notes
    from tests.conftest import _groups_and_lists_from_migrations

    _groups_and_lists_from_migrations()  # the rejection reasons, after the flush
    guest = make_subscriber(name="Sample Guest", email="guest@example.org")
    noted = make_comment(article, guest)
    public_notes.set_note(noted, staff, "Sample moderator's note", as_reviewer=False)
    rejected = make_comment(article, guest, body="Sample rejected post", status="rejected")
    appeal_links.offer(rejected, None)
    appeals.submit(rejected.appeal, "Sample words of an appeal")
    Ban.objects.create(email="spammer@example.org", reason="Sample spam", created_by=staff)
    WatchedWord.objects.create(phrase="sample pills")
    CrisisResource.objects.create(name="Sample crisis line", how_to_reach="Sample: call 000")
    BlockedAddress.objects.create(kind=BlockedAddress.Kind.EMAIL, value="bad@example.org")
    Group.objects.get_or_create(name="Moderators")
    mail.queue_message(key="sample", to=guest.email, subject="Sample", text="Sample text.")

    _sign_in(page, live_server.url, staff)
    found = {}
    pages = list(_admin_pages()) + ["/admin/password_change/"]
    for path in pages:
        response = page.goto(live_server.url + path)
        if response.status == 403:  # no add page for this model (the audit log, the rules)
            continue
        assert response.status == 200, path
        violations = _violations(page)
        if path == "/admin/comments/ban/add/":
            page.screenshot(path=screenshot_dir / "admin-ban-add.png", full_page=True)
        if violations:
            found[path] = violations
    assert found == {}, "\n".join(f"{path}: {v}" for path, vs in found.items() for v in vs)
