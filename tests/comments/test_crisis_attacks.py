"""Crisis alerts, attacked: floods of made-up reports, races with the escalation, phrases that
would hide a crisis, and posts their authors removed (an outside review found each)."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from comments import crisis, moderator_actions, posting
from comments.models import Comment, WatchedWord

pytestmark = pytest.mark.django_db


@pytest.fixture
def post(article, make_subscriber, make_comment):
    return make_comment(article, make_subscriber(name="Sample Writer"), body="I can't go on")


def _alerts(address, prefix="Urgent:"):
    return [m for m in mail.outbox if m.to == [address] and m.subject.startswith(prefix)]


def _guest_browser(client, make_subscriber, guest_login):
    browser = type(client)()
    guest_login(browser, make_subscriber(confirmed=False), proven=False)
    return browser


# 1. Flood: unconfirmed guests with made-up addresses, each a fresh browser, on fresh IPv6
# addresses of ONE /64: every self-harm report of a new post mails every on-call moderator.
def test_crisis_reports_from_one_ipv6_network_are_limited(
    client,
    article,
    make_subscriber,
    make_comment,
    guest_login,
    moderator,
    django_capture_on_commit_callbacks,
):
    posts = [make_comment(article, make_subscriber(), body=f"post {n}") for n in range(12)]
    with django_capture_on_commit_callbacks(execute=True):
        for n, target in enumerate(posts):
            _guest_browser(client, make_subscriber, guest_login).post(
                f"/comments/{target.pk}/report/",
                {"reason": "self_harm"},
                REMOTE_ADDR=f"2001:db8:1:2::{n + 1}",
            )
    # COMMENTS_REPORT_RATE_LIMITS is 5 per 10 minutes per address: one /64 is one address.
    assert len(_alerts(moderator.email)) <= 5


# 2. A moderator's ban rejects the author's waiting posts but leaves them urgent.
def test_banning_the_author_settles_their_urgent_waiting_post(
    article, member, moderator, django_capture_on_commit_callbacks
):
    WatchedWord.objects.create(phrase="end it all", action=WatchedWord.Action.CRISIS)
    author = posting.Author(user=member, is_proven=True)
    with django_capture_on_commit_callbacks(execute=True):
        comment, _ = posting.create_comment(article=article, author=author, body="I end it all")
    assert comment.is_urgent and comment.status == Comment.Status.PENDING
    moderator_actions.ban_author(comment, moderator, "spam account")
    comment.refresh_from_db()
    assert comment.status == Comment.Status.REJECTED
    assert not comment.is_urgent  # still in "pending"/Urgent, and escalated below
    assert crisis.escalate_unanswered(now=timezone.now() + datetime.timedelta(hours=1)) == 0


# 3. The escalation claim does not check the post is still urgent: a moderator settling it
# between the select and the claim makes _alert format urgent_at=None -> TypeError, and the
# cron run stops (later posts are not escalated).
def test_escalation_survives_a_post_settled_while_it_runs(
    post, moderator, staff, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        crisis.flag(post, "test")
    real_filter = Comment.objects.filter

    def settle_then_filter(*args, **kwargs):
        result = real_filter(*args, **kwargs)
        if kwargs.get("is_urgent") is True and "pk" not in kwargs:  # the select has run:
            # a moderator acts now, before the post is claimed
            pks = list(result.values_list("pk", flat=True))
            crisis.settle(post)
            return _Fixed(pks)
        return result

    class _Fixed(list):
        def values_list(self, *a, **k):
            return self

    monkeypatch.setattr(Comment.objects, "filter", settle_then_filter)
    late = timezone.now() + datetime.timedelta(hours=1)
    assert crisis.escalate_unanswered(now=late) == 0  # was a TypeError


# 4. Crisis phrase + a "reject" phrase: refused outright, nobody hears of it.
def test_a_crisis_phrase_alerts_even_when_another_phrase_rejects(
    article, member, moderator, django_capture_on_commit_callbacks
):
    WatchedWord.objects.create(phrase="damn", action=WatchedWord.Action.REJECT)
    WatchedWord.objects.create(phrase="end it all", action=WatchedWord.Action.CRISIS)
    author = posting.Author(user=member, is_proven=True)
    with django_capture_on_commit_callbacks(execute=True):
        posting.create_comment(article=article, author=author, body="damn, I'll end it all")
    assert len(_alerts(moderator.email)) == 1


# 5. A "mask" phrase checked before an overlapping crisis phrase hides it from the check.
def test_a_mask_phrase_does_not_hide_a_crisis_phrase(
    article, member, moderator, django_capture_on_commit_callbacks
):
    WatchedWord.objects.create(phrase="kill", action=WatchedWord.Action.MASK)
    WatchedWord.objects.create(phrase="kill myself", action=WatchedWord.Action.CRISIS)
    author = posting.Author(user=member, is_proven=True)
    with django_capture_on_commit_callbacks(execute=True):
        comment, _ = posting.create_comment(article=article, author=author, body="I kill myself")
    assert comment.is_urgent


# 6. The author deletes the urgent post: escalation still mails all staff (right), but says
# the post was "(a picture)", and "Approve" cannot settle it (approve() returns False).
def test_escalation_of_a_removed_post_says_it_was_removed(
    post, moderator, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        crisis.flag(post, "Self-harm or crisis")
    posting.remove_comment(post)
    mail.outbox.clear()
    assert crisis.escalate_unanswered(now=timezone.now() + datetime.timedelta(hours=1)) == 1
    body = mail.outbox[0].body
    assert "(a picture)" not in body and "removed by its author" in body


def test_approving_a_removed_urgent_post_settles_it(post, moderator):
    crisis.flag(post, "Self-harm or crisis")
    posting.remove_comment(post)
    moderator_actions.approve(post, moderator)
    post.refresh_from_db()
    assert not post.is_urgent


def test_a_flood_of_urgent_posts_pages_each_person_at_most_ten_times_an_hour_then_one_summary(
    article, make_subscriber, make_comment, moderator, staff, django_capture_on_commit_callbacks
):
    posts = [make_comment(article, make_subscriber(), body=f"post {n}") for n in range(14)]
    with django_capture_on_commit_callbacks(execute=True):
        for target in posts:
            crisis.flag(target, "Self-harm or crisis")
    assert len(_alerts(moderator.email)) == crisis.ALERTS_PER_HOUR  # the rest wait in the queue
    mail.outbox.clear()
    assert crisis.escalate_unanswered(now=timezone.now() + datetime.timedelta(hours=1)) == 14
    [summary] = _alerts(staff.email, prefix="Still unanswered: 14 urgent posts")
    assert summary.body.count("/admin/comments/comment/") == 14
