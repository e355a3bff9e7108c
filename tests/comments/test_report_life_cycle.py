"""Reports have a life cycle: open until a moderator acts on the post, then dismissed (the post
stays) or resolved (it was taken down), kept in the log, and the reader is told."""

import pytest
from django.core import mail
from django.test import Client

from comments import moderator_actions
from comments.models import Comment, ModerationRules, Report

pytestmark = pytest.mark.django_db


@pytest.fixture
def post(article, make_subscriber, make_comment):
    return make_comment(article, make_subscriber(name="Sample Writer"), body="A view some dislike")


@pytest.fixture
def member_reporter(member):
    browser = Client()
    browser.force_login(member)
    return browser


@pytest.fixture
def guest_reporter(client, make_subscriber, guest_login):
    browser = Client()
    guest = make_subscriber(name="Sample Reporter", email="reporter@example.org")
    guest_login(browser, guest, proven=True)
    return browser


def _report(browser, post, reason="abuse", note=""):
    response = browser.post(f"/comments/{post.pk}/report/", {"reason": reason, "note": note})
    assert response.status_code == 200


def _queue(client, moderator, queue="reported"):
    client.force_login(moderator)
    return client.get(f"/admin/comments/comment/?queue={queue}").content.decode()


def test_approving_dismisses_the_reports_the_queue_forgets_them_and_the_log_keeps_them(
    client, post, member_reporter, moderator
):
    _report(member_reporter, post, note="Rude to me")
    assert "A view some dislike" in _queue(Client(), moderator)
    moderator_actions.approve(post, moderator)
    assert "A view some dislike" not in _queue(client, moderator)
    report = Report.objects.get()
    assert report.state == Report.State.DISMISSED and report.handled_by == moderator
    change = client.get(f"/admin/comments/comment/{post.pk}/change/").content.decode()
    assert "Rude to me" in change and "Dismissed" in change  # still in the post's history


def test_rejecting_resolves_the_reports_and_the_guest_reporter_is_mailed(
    post, guest_reporter, moderator
):
    _report(guest_reporter, post)
    moderator_actions.reject(post, moderator, "off_topic")
    assert Report.objects.get().state == Report.State.RESOLVED
    [told] = [m for m in mail.outbox if m.to == ["reporter@example.org"]]
    assert "took the post down" in told.body


def test_dismiss_reports_keeps_the_post_and_tells_the_member_on_their_account_page(
    client, post, member_reporter, moderator
):
    _report(member_reporter, post, reason="spam")
    account = member_reporter.get("/account/").content.decode()
    assert "Posts you reported" in account and "waiting for a moderator" in account
    client.force_login(moderator)
    page = client.post(
        "/admin/comments/comment/",
        {"action": "dismiss_reports", "_selected_action": [post.pk]},
        follow=True,
    ).content.decode()
    assert "Dismissed 1 report(s) on 1 post(s)" in page
    post.refresh_from_db()
    assert post.status == Comment.Status.PUBLISHED
    account = member_reporter.get("/account/").content.decode()
    assert "decided the post can stay" in account


def test_dismissed_reports_no_longer_count_toward_hiding_the_post(
    post, make_subscriber, guest_login, moderator
):
    ModerationRules.objects.update_or_create(pk=1, defaults={"report_threshold": 2})
    first = Client()
    guest_login(first, make_subscriber(name="Sample One"), proven=True)
    first.post(f"/comments/{post.pk}/report/", {"reason": "abuse"}, REMOTE_ADDR="203.0.113.1")
    moderator_actions.approve(post, moderator)  # a moderator read it: it stays
    second = Client()
    guest_login(second, make_subscriber(name="Sample Two"), proven=True)
    second.post(f"/comments/{post.pk}/report/", {"reason": "abuse"}, REMOTE_ADDR="198.51.100.1")
    post.refresh_from_db()
    assert post.is_published  # one open report, not two
