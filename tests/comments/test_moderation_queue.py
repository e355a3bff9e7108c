"""Moderation with the database: rules from the admin, reports, trust, bans, the queue, the
audit log, mails to authors and the moderators' digest."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from articles import publishing
from comments import moderator_actions
from comments.models import (
    Ban,
    BlockedAddress,
    Comment,
    ModerationAction,
    ModerationRules,
    WatchedWord,
)
from comments.notifications import tell_moderators

pytestmark = [pytest.mark.django_db, pytest.mark.default_moderation]


@pytest.fixture
def poster(client, member):
    client.force_login(member)
    return client


def _approve_some(member, article, make_comment, count):
    for n in range(count):
        make_comment(article, member, body=f"Approved before {n}")


def test_new_authors_first_post_waits_and_is_marked_for_them(poster, article, post_comment):
    post_comment(poster, article, body="Hello everyone")
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.PENDING
    assert comment.moderation_reasons == ["new author: first posts are reviewed"]
    page = poster.get(article.get_absolute_url()).content.decode()
    assert "Hello everyone" in page and "Waiting for review" in page


def test_author_with_approved_posts_is_trusted(poster, member, article, make_comment, post_comment):
    _approve_some(member, article, make_comment, 3)
    post_comment(
        poster, article, body="Links https://a.example https://b.example https://c.example"
    )
    assert Comment.objects.latest("pk").status == Comment.Status.PUBLISHED


def test_watched_words_edited_in_the_admin_apply(
    poster, member, article, make_comment, post_comment
):
    _approve_some(member, article, make_comment, 3)
    WatchedWord.objects.create(phrase="miracle cure", action="reject")
    WatchedWord.objects.create(phrase="darn", action="mask")
    refused = post_comment(poster, article, body="A MIRACLE  cure for all")
    assert refused.status_code == 403
    assert "Your post could not be published." in refused.content.decode()
    post_comment(poster, article, body="Darn this weather")
    assert Comment.objects.latest("pk").body == "**** this weather"


def test_blocked_address_is_refused_neutrally(
    client, article, make_subscriber, guest_login, post_comment
):
    guest = make_subscriber(email="bot@spam.example")
    BlockedAddress.objects.create(kind="domain", value="spam.example")
    guest_login(client, guest)
    response = post_comment(client, article, body="Visit us")
    assert response.status_code == 403
    assert "Your post could not be published." in response.content.decode()
    assert "spam.example" not in response.content.decode()
    assert not Comment.objects.exists()


def test_closed_article_takes_no_posts(poster, member, article, make_comment, post_comment):
    _approve_some(member, article, make_comment, 3)
    article.comments_open = False
    publishing.save_article(article)
    page = poster.get(article.get_absolute_url()).content.decode()
    assert "Comments are closed on this article." in page and "comment-form" not in page
    response = post_comment(poster, article, body="Still here?")
    assert "Comments are closed on this article." in response.content.decode()
    assert not Comment.objects.filter(body="Still here?").exists()


def test_post_reported_by_enough_readers_is_hidden_until_reviewed(
    client, article, make_comment, make_subscriber, guest_login, moderator
):
    ModerationRules.objects.update_or_create(pk=1, defaults={"report_threshold": 2})
    post = make_comment(article, make_subscriber(), body="Stop your medicine, it is poison")
    for n in range(2):  # confirmed guests, in browsers of their own on addresses of their own
        reader = type(client)()
        guest_login(reader, make_subscriber())
        reader.post(
            f"/comments/{post.pk}/report/",
            {"reason": "misinformation"},
            REMOTE_ADDR=f"203.0.{113 + n}.1",  # distinct networks (/24)
        )
    post.refresh_from_db()
    assert post.status == Comment.Status.PENDING
    assert post.moderation_reasons == ["reported by 2 readers"]
    assert "poison" not in client.get(article.get_absolute_url()).content.decode()
    assert mail.outbox[-1].to == ["mod@example.org"]


def test_approving_a_guests_post_waits_for_their_confirmation(
    client, article, make_subscriber, moderator, post_comment
):
    client.post("/subscribe/", {"name": "Sample Guest", "email": "guest@example.org"})
    post_comment(client, article, body="Early bird")
    comment = Comment.objects.get()
    moderator_actions.approve(comment, moderator)
    comment.refresh_from_db()
    assert comment.status == Comment.Status.AWAITING_EMAIL and comment.is_approved
    import re

    client.post(re.search(r"/subscribe/confirm/[^/\s]+/", mail.outbox[0].body).group(0))
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PUBLISHED


def test_approve_and_reject_tell_the_author_and_are_logged(
    article, member, make_comment, moderator, settings
):
    settings.MODERATION_REPLY_TO = "moderators@example.org"  # where a second look is asked
    held = make_comment(article, member, body="Please check me", status="pending")
    moderator_actions.approve(held, moderator)
    assert "now live" in mail.outbox[-1].subject and mail.outbox[-1].to == ["member@example.org"]
    other = make_comment(article, member, body="Buy my supplements", status="pending")
    moderator_actions.reject(other, moderator, reason="spam")
    message = mail.outbox[-1]
    assert "was not published" in message.subject
    assert "It advertises or links to products or services." in message.body
    assert "reply to this mail (moderators@example.org)" in message.body
    assert "/comments/appeal/" in message.body  # and a link to appeal, once
    log = list(
        ModerationAction.objects.order_by("pk").values_list(
            "action", "status_before", "status_after"
        )
    )
    assert log == [("approve", "pending", "published"), ("reject", "pending", "rejected")]


def test_ban_tells_the_author_plainly_and_rejects_their_waiting_posts(
    poster, member, article, make_comment, moderator, post_comment
):
    waiting = make_comment(article, member, body="Waiting one", status="pending")
    moderator_actions.ban_author(waiting, moderator, reason="Repeated spam")
    waiting.refresh_from_db()
    assert waiting.status == Comment.Status.REJECTED
    response = post_comment(poster, article, body="Can I still post?")
    assert "You can no longer post comments on this site." in response.content.decode()
    assert {"ban", "reject (author banned)"} <= set(
        ModerationAction.objects.values_list("action", flat=True)
    )


def test_suspension_ends_on_its_date(
    poster, member, article, make_comment, moderator, post_comment
):
    _approve_some(member, article, make_comment, 1)
    Ban.objects.create(
        user=member, reason="Cool off", until=timezone.now() - datetime.timedelta(days=1)
    )
    post_comment(poster, article, body="Back again")
    assert Comment.objects.get(body="Back again").status == Comment.Status.PUBLISHED


def test_spam_run_of_50_linked_posts_is_cleared_by_one_action(
    client, article, make_subscriber, guest_login, moderator, settings, post_comment
):
    settings.COMMENTS_RATE_LIMITS = [(1000, 60)]
    spammer = make_subscriber(name="Sample Spammer", email="spammer@example.org")
    guest_login(client, spammer)
    for n in range(50):
        post_comment(
            client,
            article,
            body=f"Deal {n}: https://pills.example/{n} https://a.example https://b.example",
        )
    assert Comment.objects.filter(status=Comment.Status.PUBLISHED).count() == 0
    assert Comment.objects.filter(status=Comment.Status.PENDING).count() == 50

    admin = type(client)()
    admin.force_login(moderator)
    first = Comment.objects.order_by("pk").first()
    admin.post(
        "/admin/comments/comment/",
        {
            "action": "ban_authors",
            "_selected_action": [first.pk],
            "confirm": "yes",
            "reason": "Selling pills",
        },
    )
    assert Comment.objects.filter(status=Comment.Status.REJECTED).count() == 50
    assert Ban.objects.get().email == "spammer@example.org"
    assert ModerationAction.objects.filter(action="reject (author banned)").count() == 50


def test_queue_lists_waiting_posts_with_reasons_and_reports(
    client, article, make_comment, make_subscriber, moderator
):
    worrier = make_subscriber(name="Sample Worrier")
    reasons = ["new author: first posts are reviewed"]
    make_comment(article, worrier, body="Held post", status="pending", moderation_reasons=reasons)
    make_comment(article, make_subscriber(), body="Fine post")
    client.force_login(moderator)
    page = client.get("/admin/comments/comment/?queue=pending").content.decode()
    assert "Held post" in page and "Fine post" not in page
    assert "new author: first posts are reviewed" in page and "Sample Worrier" in page
    index = client.get("/admin/").content.decode()
    assert "Moderation queue" in index and "Waiting for review" in index


def test_moderators_can_moderate_but_not_edit_articles_users_or_rules(
    client, moderator, article, make_comment
):
    client.force_login(moderator)
    assert client.get("/admin/comments/comment/").status_code == 200
    assert client.get("/admin/comments/moderationaction/").status_code == 200
    assert client.get("/admin/comments/ban/add/").status_code == 200
    for url in [
        "/admin/articles/article/",
        f"/admin/articles/article/{article.pk}/change/",
        "/admin/accounts/user/",
        "/admin/comments/watchedword/",
        "/admin/comments/moderationrules/",
        "/admin/comments/blockedaddress/",
    ]:
        assert client.get(url).status_code == 403, url
    comment = make_comment(article, body="x")
    assert (
        client.post(f"/admin/comments/comment/{comment.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )


def test_audit_log_is_read_only_even_for_superusers(
    client, staff, article, make_comment, moderator
):
    comment = make_comment(article, body="x", status="pending")
    moderator_actions.approve(comment, moderator)
    entry = ModerationAction.objects.get()
    client.force_login(staff)
    assert client.get(f"/admin/comments/moderationaction/{entry.pk}/change/").status_code == 200
    client.post(f"/admin/comments/moderationaction/{entry.pk}/change/", {"note": "rewritten"})
    client.post(f"/admin/comments/moderationaction/{entry.pk}/delete/", {"post": "yes"})
    entry.refresh_from_db()
    assert entry.note == "" and ModerationAction.objects.count() == 1
    assert client.get("/admin/comments/moderationaction/add/").status_code == 403


def test_moderator_edit_is_logged(client, moderator, article, make_comment):
    comment = make_comment(article, body="Call me at home")
    client.force_login(moderator)
    client.post(
        f"/admin/comments/comment/{comment.pk}/change/", {"body": "Call me", "image_alt": ""}
    )
    comment.refresh_from_db()
    assert comment.body == "Call me"
    assert ModerationAction.objects.get().action == "edit"


def test_digest_at_most_every_30_minutes(article, make_comment, moderator):
    make_comment(article, body="First waiting", status="pending")
    assert tell_moderators() is True
    make_comment(article, body="Second waiting", status="pending")
    assert tell_moderators() is False  # within 30 minutes
    later = timezone.now() + datetime.timedelta(minutes=31)
    assert tell_moderators(now=later) is True
    digests = [m for m in mail.outbox if m.to == ["mod@example.org"]]
    assert len(digests) == 2
    assert "First waiting" in digests[0].body
    assert "Second waiting" in digests[1].body and "First waiting" not in digests[1].body
    assert tell_moderators(now=later + datetime.timedelta(minutes=40)) is False  # nothing new
