"""A possible crisis in Chromium, end to end: a member reports a post as self-harm, the on-call
moderator's mail arrives at once, the moderator opens the post from the mail (second factor and
all), reads the report's note, shows the post to members only, adds a moderator's note that
members then read under it, and its author gets the support message. And an appeal: a rejected
post's author asks for a second look from the mail's link, the moderator who rejected it may
not decide, a second moderator restores it, and the author is told. At phone width too."""

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

    # A word to the thread, under the post: what the moderators want its readers to know.
    page.goto(live_server.url + f"/admin/comments/comment/{post.pk}/change/")
    note = page.get_by_role("group", name="Signed").locator("xpath=..")
    note.get_by_label("Every reader of the post sees this").fill(
        "If this post worries you too, the crisis lines on our resources page answer at any hour."
    )
    note.get_by_label("“Moderator's note” (no name)").check()
    note.get_by_role("button", name="Save the note").click()
    page.get_by_text("The note is on the post, for every reader of it.").wait_for()
    desk.close()

    post.refresh_from_db()
    assert post.members_only and not post.is_urgent and post.is_published
    [support] = [m for m in mail.outbox if m.to == ["writer@example.org"]]
    assert "Sample Helpline" in support.body and "moderators@example.org" in support.body
    assert Comment.objects.filter(members_only=True).count() == 1

    # Members read the note under the post, and a screen reader names it.
    reader = browser.new_context(viewport=PHONE)
    page = reader.new_page()
    log_in(page, live_server.url)
    page.goto(live_server.url + article.get_absolute_url())
    shown = page.locator(f"#comment-{post.pk}").get_by_role("note", name="Moderator's note")
    shown.get_by_text("the crisis lines on our resources page").wait_for()
    assert _violations(page) == [], page.url
    page.screenshot(path=screenshot_dir / "crisis-note-phone.png", full_page=True)
    reader.close()


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


def _moderator_logs_in(page, base_url, user, path):
    page.goto(base_url + path)
    page.get_by_label("Email").fill(user.email)
    page.locator("#id_password").fill("a-long-test-password")
    page.get_by_role("button", name="Sign In").click()
    page.get_by_label("Code").fill(totp_code(user.totp_secret, valid_for=10))
    page.get_by_role("button", name="Sign In").click()


def test_an_appeal_is_decided_by_a_second_moderator(
    browser,
    live_server,
    settings,
    article,
    make_comment,
    make_subscriber,
    moderator,
    second_moderator,
    screenshot_dir,
):
    settings.MODERATION_REPLY_TO = "moderators@example.org"
    writer = make_subscriber(name="Sample Writer", email="writer@example.org")
    post = make_comment(
        article, writer, body="My neighbour is useless at helping, frankly.", status="pending"
    )

    desk = browser.new_context()
    page = desk.new_page()
    _moderator_logs_in(
        page, live_server.url, moderator, f"/admin/comments/comment/{post.pk}/change/"
    )
    decide = page.locator("#decide")
    decide.get_by_label("Reason").select_option(label="It is unkind to, or about, another member.")
    decide.get_by_label("Your words to the author").fill(
        "Please write about the help, not the person."
    )
    decide.get_by_role("button", name="Reject with this reason").click()
    page.get_by_text("Rejected; the author is told why.").wait_for()

    [rejection] = [m for m in mail.outbox if m.to == ["writer@example.org"]]
    assert "Please write about the help, not the person." in rejection.body
    link = re.search(r"http\S+/comments/appeal/\S+/", rejection.body).group(0)

    author = browser.new_context(viewport=PHONE)
    appeal_page = author.new_page()
    appeal_page.goto(link.replace(settings.SITE_URL, live_server.url))
    appeal_page.get_by_role("heading", name="Ask for a second look").wait_for()
    assert _violations(appeal_page) == [], appeal_page.url
    appeal_page.get_by_role("button", name="Send my appeal").click()
    appeal_page.get_by_text("Say in a few words why").wait_for()  # nothing sent yet
    appeal_page.get_by_label("Why should a moderator look at your post again?").fill(
        "I was venting about my own week; I will say it more kindly."
    )
    appeal_page.get_by_role("button", name="Send my appeal").click()
    appeal_page.get_by_text("Your appeal is sent.").wait_for()
    assert _violations(appeal_page) == [], appeal_page.url
    appeal_page.screenshot(path=screenshot_dir / "appeal-sent-phone.png", full_page=True)

    # The moderator who rejected it is told another moderator decides.
    page.goto(live_server.url + "/admin/comments/appeal/?state=waiting")
    page.get_by_role("link", name=re.compile("My neighbour is useless")).click()
    page.get_by_text("You rejected this post, so another moderator decides its appeal.").wait_for()
    assert page.get_by_role("button", name="Restore the post").count() == 0
    desk.close()

    second = browser.new_context()
    page = second.new_page()
    _moderator_logs_in(
        page, live_server.url, second_moderator, "/admin/comments/appeal/?state=waiting"
    )
    page.get_by_role("link", name=re.compile("My neighbour is useless")).click()
    page.get_by_text("I was venting about my own week").wait_for()
    assert page.get_by_text("It is unkind to, or about, another member.").count() == 1
    page.get_by_label("Your words to the author").fill("Thank you for explaining. It is back up.")
    page.get_by_role("button", name="Restore the post").click()
    page.get_by_text("The author is told by mail.").wait_for()
    assert page.get_by_text("It is unkind to, or about, another member.").count() == 1  # kept
    assert page.get_by_role("button", name="Save").count() == 0  # nothing here to edit
    page.screenshot(path=screenshot_dir / "appeal-decided-in-admin.png", full_page=True)
    second.close()

    post.refresh_from_db()
    assert post.is_published
    [outcome] = [m for m in mail.outbox if "back on" in m.subject]
    assert outcome.to == ["writer@example.org"] and "It is back up." in outcome.body
    appeal_page.reload()
    appeal_page.get_by_text("put the post back up").wait_for()
    author.close()
