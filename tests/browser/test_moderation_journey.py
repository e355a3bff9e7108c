"""A moderator's shift in Chromium: log in to the admin, approve a waiting post, ban a spammer,
and see the article page change for readers."""

import pytest

from comments.models import Ban, Comment, ModerationAction
from tests.browser.conftest import log_in
from tests.browser.test_article_page import _violations
from tests.conftest import totp_code

pytestmark = pytest.mark.django_db(transaction=True)


def _run_action(page, row_text, action):
    page.locator("#result_list tr", has_text=row_text).first.locator(
        "input[name=_selected_action]"
    ).check()
    page.locator("select[name=action]").select_option(action)
    page.get_by_role("button", name="Go").click()


def test_moderator_approves_a_waiting_post_and_bans_a_spammer(
    browser, live_server, article, make_comment, make_subscriber, moderator, verified_member
):
    newcomer = make_subscriber(name="Sample Newcomer")
    waiting = make_comment(
        article,
        newcomer,
        body="First time here: the hydrotherapy pool helped my son.",
        status=Comment.Status.PENDING,
        moderation_reasons=["new author: first posts are reviewed"],
    )
    spammer = make_subscriber(name="Sample Spammer", email="spammer@example.org")
    spam = [
        make_comment(
            article,
            spammer,
            body=f"Cheap pills {n} https://pills.example/{n} https://a.example https://b.example",
            status=Comment.Status.PENDING,
            moderation_reasons=["more than 2 links"],
        )
        for n in range(3)
    ]

    admin = browser.new_context()
    page = admin.new_page()
    page.set_default_timeout(10_000)
    # The admin sends staff to the site's log-in, then asks for the authenticator app's code.
    page.goto(live_server.url + "/admin/")
    assert page.url.startswith(live_server.url + "/accounts/login/?next=")
    page.get_by_label("Email").fill("mod@example.org")
    page.locator("#id_password").fill("a-long-test-password")
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("heading", name="Two-Factor Authentication").wait_for()
    assert _violations(page) == [], page.url
    page.get_by_label("Code").fill(totp_code(moderator.totp_secret, valid_for=10))
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("heading", name="Moderation queue").wait_for()

    page.goto(live_server.url + "/admin/comments/comment/?queue=pending")
    assert page.locator("#result_list").get_by_text("new author: first posts are reviewed").count()
    _run_action(page, "hydrotherapy pool", "approve")
    page.get_by_text("Approved 1 post(s).").wait_for()

    page.goto(live_server.url + "/admin/comments/comment/?queue=pending")
    _run_action(page, "Cheap pills 0", "ban_authors")
    page.get_by_role("heading", name="Ban the authors of these posts?").wait_for()
    assert _violations(page) == [], page.url
    page.get_by_label("Reason (it is mailed to them)").fill("Selling pills in the comments")
    page.get_by_role("button", name="Ban them").click()
    page.get_by_text("Banned 1 author(s).").wait_for()
    assert page.locator("#result_list").get_by_text("Cheap pills").count() == 0

    waiting.refresh_from_db()
    assert waiting.status == Comment.Status.PUBLISHED
    assert {c.status for c in Comment.objects.filter(pk__in=[c.pk for c in spam])} == {
        Comment.Status.REJECTED
    }
    assert Ban.objects.get().email == "spammer@example.org"
    assert ModerationAction.objects.filter(actor=moderator).count() == 1 + 1 + len(spam)

    # The moderator's role stops at the queue: articles are not theirs to edit.
    response = page.goto(live_server.url + "/admin/articles/article/")
    assert response.status == 403
    admin.close()

    reader = browser.new_context()
    page = reader.new_page()
    page.set_default_timeout(10_000)
    log_in(page, live_server.url)
    page.goto(live_server.url + article.get_absolute_url())
    page.locator(".comment", has_text="the hydrotherapy pool helped my son").wait_for()
    assert page.get_by_text("Cheap pills").count() == 0
    assert page.get_by_text("Sample Spammer").count() == 0
    assert _violations(page) == [], page.url
    reader.close()
