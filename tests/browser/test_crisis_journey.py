"""A possible crisis in Chromium, end to end as far as it is built: a member reports a post as
self-harm, the on-call moderator's mail arrives at once, the moderator opens the post from the
mail (second factor and all), reads the report's note, shows the post to members only, and its
author gets the support message. At phone width too."""

import re

import pytest
from django.core import mail

from comments.models import Comment, CrisisResource
from tests.browser.conftest import log_in
from tests.browser.test_article_page import _violations
from tests.conftest import totp_code

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


def test_a_crisis_report_reaches_the_on_call_moderator_who_answers_it(
    browser,
    live_server,
    settings,
    article,
    make_comment,
    make_subscriber,
    moderator,
    verified_member,
    screenshot_dir,
):
    settings.MODERATION_REPLY_TO = "moderators@example.org"
    CrisisResource.objects.create(name="Sample Helpline", how_to_reach="Sample: call 123")
    writer = make_subscriber(name="Sample Writer", email="writer@example.org")
    post = make_comment(article, writer, body="Everything feels too heavy to carry today.")

    reader = browser.new_context(viewport=PHONE)
    page = reader.new_page()
    log_in(page, live_server.url)
    page.goto(live_server.url + article.get_absolute_url())
    page.locator(f"#comment-{post.pk}").get_by_role("link", name=re.compile("^Report")).click()
    assert _violations(page) == [], page.url
    page.get_by_label("Self-harm or crisis").check()
    page.get_by_label("Anything moderators should know?").fill("They wrote goodbye to us.")
    page.get_by_role("button", name="Send report").click()
    page.get_by_role("heading", name="If someone may be in danger right now").wait_for()
    assert page.get_by_text("Sample Helpline").count() == 1
    assert _violations(page) == [], page.url
    page.screenshot(path=screenshot_dir / "crisis-report-done-phone.png", full_page=True)
    reader.close()

    [alert] = [m for m in mail.outbox if m.subject.startswith("Urgent:")]
    assert alert.to == ["mod@example.org"] and "They wrote goodbye to us." in alert.body
    link = re.search(r"http\S+/admin/comments/comment/\d+/change/", alert.body).group(0)

    desk = browser.new_context()
    page = desk.new_page()
    page.goto(link.replace(settings.SITE_URL, live_server.url))  # as from the mail
    page.get_by_label("Email").fill("mod@example.org")
    page.locator("#id_password").fill("a-long-test-password")
    page.get_by_role("button", name="Sign In").click()
    page.get_by_label("Code").fill(totp_code(moderator.totp_secret, valid_for=10))
    page.get_by_role("button", name="Sign In").click()
    page.get_by_text("They wrote goodbye to us.").wait_for()  # on the post's own page
    page.screenshot(path=screenshot_dir / "crisis-post-in-admin.png", full_page=True)

    page.goto(live_server.url + "/admin/")
    urgent = page.locator("#moderation-counts tr", has_text="Urgent: a possible crisis")
    assert urgent.locator("strong").inner_text() == "1"
    page.goto(live_server.url + "/admin/comments/comment/?queue=pending")
    row = page.locator("#result_list tr", has_text="Everything feels too heavy")
    assert row.get_by_text("URGENT").count() == 1
    row.locator("input[name=_selected_action]").check()
    page.locator("select[name=action]").select_option("crisis_members_only")
    page.get_by_role("button", name="Go").click()
    page.get_by_text("The support message went to 1 of 1 author(s).").wait_for()
    page.screenshot(path=screenshot_dir / "crisis-answered-in-admin.png", full_page=True)
    desk.close()

    post.refresh_from_db()
    assert post.members_only and not post.is_urgent and post.is_published
    [support] = [m for m in mail.outbox if m.to == ["writer@example.org"]]
    assert "Sample Helpline" in support.body and "moderators@example.org" in support.body
    assert Comment.objects.filter(members_only=True).count() == 1


def test_a_member_sees_what_became_of_their_report_on_their_account_page(
    browser, live_server, article, make_comment, make_subscriber, moderator, verified_member,
    screenshot_dir,
):  # fmt: skip
    from comments import moderator_actions

    post = make_comment(article, make_subscriber(name="Sample Writer"), body="A sharp remark.")
    reader = browser.new_context(viewport=PHONE)
    page = reader.new_page()
    log_in(page, live_server.url)
    page.goto(live_server.url + f"/comments/{post.pk}/report/")
    page.get_by_label("Abuse or harassment").check()
    page.get_by_role("button", name="Send report").click()
    page.get_by_role("heading", name="Thank you for your report").wait_for()
    moderator_actions.approve(post, moderator)  # a moderator read it: it stays

    page.goto(live_server.url + "/account/")
    reports = page.get_by_role("region", name="Posts you reported")
    reports.get_by_text("decided the post can stay").wait_for()
    assert _violations(page) == [], page.url
    page.screenshot(path=screenshot_dir / "account-reports-phone.png", full_page=True)
    reader.close()
