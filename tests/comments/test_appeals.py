"""Statement of reasons and appeal: staff keep the list of reasons; a rejected post's author
is told the reason, the moderator's note and where to write, and may appeal once, by a link whose
secret is not kept; a moderator other than the one who decided restores the post or upholds the
rejection, and the author is mailed the outcome. Every step is in the audit log."""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Delivery
from comments import appeals, moderator_actions
from comments.models import Appeal, Comment, ModerationAction, RejectionReason
from comments.notifications import tell_moderators

pytestmark = pytest.mark.django_db


def _signed_in(client_class, user):
    client = client_class()
    client.force_login(user)
    return client


def _rejected(article, author, make_comment, moderator, note="", reason="abuse"):
    post = make_comment(article, author, body="A sharp remark about another member.")
    moderator_actions.reject(post, moderator, reason, note=note)
    post.refresh_from_db()
    return post


def _appeal_link(to):
    [message] = [m for m in mail.outbox if m.to == [to] and "was not published" in m.subject]
    match = re.search(r"https?://\S+/comments/appeal/([^/\s]+)/", message.body)
    return message, match


def test_the_rejection_mail_quotes_the_reason_and_note_and_links_to_appeal(
    article, member, make_comment, moderator, settings
):
    settings.MODERATION_REPLY_TO = "moderators@example.org"
    _rejected(article, member, make_comment, moderator, note="Please keep it kind.")
    message, link = _appeal_link("member@example.org")
    assert "It is unkind to, or about, another member." in message.body
    assert "Please keep it kind." in message.body
    assert link is not None and "within 30 days" in message.body
    assert message.extra_headers["Reply-To"] == "moderators@example.org"


def test_the_appeal_link_is_not_readable_at_rest(article, member, make_comment, moderator):
    _rejected(article, member, make_comment, moderator)
    _, link = _appeal_link("member@example.org")
    token = link.group(1)
    delivery = Delivery.objects.get(template="moderation_outcome")
    assert delivery.is_sensitive and token not in delivery.text_body + delivery.html_body
    assert token not in str(list(Appeal.objects.values()))  # its hash only


def test_staff_edit_the_reasons_and_a_retired_one_is_not_offered(
    client, article, member, make_comment, moderator, staff
):
    reason = RejectionReason.objects.get(code="personal")
    reason.text = "It names someone who did not agree to be named."
    reason.save()
    _rejected(article, member, make_comment, moderator, reason="personal")
    message, _ = _appeal_link("member@example.org")
    assert "It names someone who did not agree to be named." in message.body

    RejectionReason.objects.filter(code="off_topic").update(is_active=False)
    post = make_comment(article, member, body="Another post", status="pending")
    desk = _signed_in(type(client), moderator)
    page = desk.get(f"/admin/comments/comment/{post.pk}/change/").content.decode()
    assert "It names someone who did not agree" in page and "not about this article" not in page
    response = desk.post(
        f"/admin/comments/comment/{post.pk}/decide/",
        {"decision": "reject", "reason": "off_topic"},
        follow=True,
    )
    assert "choose a reason first" in response.content.decode()
    assert Comment.objects.get(pk=post.pk).status == Comment.Status.PENDING
    # A reason in use is kept (its posts quote it): the admin refuses to delete it.
    admin = _signed_in(type(client), staff)
    response = admin.post(
        f"/admin/comments/rejectionreason/{reason.pk}/delete/", {"post": "yes"}, follow=True
    )
    assert RejectionReason.objects.filter(pk=reason.pk).exists()
    assert "Cannot delete" in response.content.decode()


def test_the_queue_rejects_only_with_a_reason_chosen(
    client, article, member, make_comment, moderator
):
    post = make_comment(article, member, body="Waiting post", status="pending")
    desk = _signed_in(type(client), moderator)
    data = {"action": "reject", "_selected_action": [post.pk]}
    response = desk.post("/admin/comments/comment/", data, follow=True)
    assert "choose a reason beside the action first" in response.content.decode()
    assert Comment.objects.get(pk=post.pk).status == Comment.Status.PENDING
    data |= {"reject_reason": "spam", "reject_note": "Links to a shop."}
    response = desk.post("/admin/comments/comment/", data, follow=True)
    assert "Rejected 1 post(s)" in response.content.decode()
    assert Comment.objects.get(pk=post.pk).rejection_reason_id == "spam"
    message, _ = _appeal_link("member@example.org")
    assert "Links to a shop." in message.body


def test_an_author_appeals_once_and_a_second_moderator_restores_the_post(
    client, article, member, make_comment, moderator, second_moderator, settings
):
    settings.COMMENTS_READ_GATE = False  # any reader sees the thread
    post = _rejected(article, member, make_comment, moderator)
    _, link = _appeal_link("member@example.org")
    path = f"/comments/appeal/{link.group(1)}/"
    page = client.get(path).content.decode()
    assert "Ask for a second look" in page and "A sharp remark" in page
    assert "It is unkind to, or about, another member." in page
    response = client.post(path, {"text": ""})
    assert response.status_code == 400 and "Say in a few words why" in response.content.decode()
    response = client.post(path, {"text": "It was a joke between friends."})
    assert "Your appeal is sent" in response.content.decode()
    response = client.post(path, {"text": "Again!"})
    assert "You have sent your appeal already" in response.content.decode()
    appeal = Appeal.objects.get()
    assert appeal.text == "It was a joke between friends." and appeal.is_waiting

    # The moderator who rejected it may not decide: the page says so, and nothing changes.
    first = _signed_in(type(client), moderator)
    page = first.get(f"/admin/comments/appeal/{appeal.pk}/change/").content.decode()
    assert "another moderator decides its appeal" in page and "Restore the post" not in page
    response = first.post(
        f"/admin/comments/appeal/{appeal.pk}/decide/", {"outcome": "restored"}, follow=True
    )
    assert "You rejected this post" in response.content.decode()
    assert Comment.objects.get(pk=post.pk).status == Comment.Status.REJECTED

    second = _signed_in(type(client), second_moderator)
    waiting = second.get("/admin/comments/appeal/?state=waiting").content.decode()
    assert "A sharp remark" in waiting
    response = second.post(
        f"/admin/comments/appeal/{appeal.pk}/decide/",
        {"outcome": "restored", "note": "Read in context, it is friendly."},
        follow=True,
    )
    assert "The author is told by mail" in response.content.decode()
    post.refresh_from_db()
    assert post.status == Comment.Status.PUBLISHED
    assert "A sharp remark" in client.get(article.get_absolute_url()).content.decode()
    [outcome] = [m for m in mail.outbox if "back on" in m.subject]
    assert outcome.to == ["member@example.org"] and "Read in context" in outcome.body
    log = ModerationAction.objects.filter(comment=post).order_by("pk")
    actions = list(log.values_list("action", "actor"))
    assert actions == [
        ("reject", moderator.pk),
        ("appeal sent", None),
        ("approve", second_moderator.pk),
        ("appeal: restored", second_moderator.pk),
    ]
    # Decided once: a second decision is refused, and the link says what happened.
    with pytest.raises(appeals.CannotDecide):
        appeals.decide(Appeal.objects.get(), second_moderator, "upheld")
    assert "put the post back up" in client.get(path).content.decode()

    # Rejected again later: no second appeal is offered.
    mail.outbox.clear()
    moderator_actions.reject(post, moderator, "abuse")
    [again] = [m for m in mail.outbox if "was not published" in m.subject]
    assert "/comments/appeal/" not in again.body


def test_an_upheld_appeal_is_mailed_with_the_moderators_words(
    article, make_subscriber, make_comment, moderator, second_moderator
):
    guest = make_subscriber(name="Sample Guest Writer", email="writer@example.org")
    post = make_comment(article, guest, body="Buy my cure", status="pending")
    moderator_actions.reject(post, moderator, "spam")
    _, link = _appeal_link("writer@example.org")
    appeal = Appeal.objects.get()
    assert appeals.submit(appeal, "It is not an advert.")
    appeals.decide(appeal, second_moderator, "upheld", "It links to a shop.")
    [outcome] = [m for m in mail.outbox if "decision stands" in m.subject]
    assert outcome.to == ["writer@example.org"] and "It links to a shop." in outcome.body
    assert Comment.objects.get(pk=post.pk).status == Comment.Status.REJECTED
    assert ModerationAction.objects.filter(action="appeal: upheld").count() == 1


def test_a_link_that_expired_or_never_existed_says_so(
    client, article, member, make_comment, moderator
):
    _rejected(article, member, make_comment, moderator)
    _, link = _appeal_link("member@example.org")
    Appeal.objects.update(offered_at=timezone.now() - datetime.timedelta(days=31))
    response = client.get(f"/comments/appeal/{link.group(1)}/")
    assert response.status_code == 410 and "This link has expired" in response.content.decode()
    response = client.post(f"/comments/appeal/{link.group(1)}/", {"text": "Please"})
    assert Appeal.objects.get().submitted_at is None
    response = client.get("/comments/appeal/not-a-real-token/")
    assert response.status_code == 404 and "This link does not work" in response.content.decode()


def test_a_post_put_back_up_meanwhile_has_nothing_to_appeal(
    client, article, member, make_comment, moderator
):
    post = _rejected(article, member, make_comment, moderator)
    _, link = _appeal_link("member@example.org")
    moderator_actions.approve(post, moderator)
    response = client.post(f"/comments/appeal/{link.group(1)}/", {"text": "Please"})
    assert "nothing to appeal" in response.content.decode()
    assert Appeal.objects.get().submitted_at is None


def test_appeals_are_rate_limited_per_network(client, article, member, make_comment, moderator):
    from comments import appeal_links

    links = []
    for n in range(11):
        post = make_comment(article, member, body=f"Post {n}", status="rejected")
        links.append(appeal_links.offer(post, moderator).split("/comments/")[1])
    for link in links[:10]:
        assert client.post(f"/comments/{link}", {"text": "Please"}).status_code == 200
    response = client.post(f"/comments/{links[10]}", {"text": "Please"})
    assert response.status_code == 429 and "Too many tries" in response.content.decode()
    assert Appeal.objects.filter(submitted_at__isnull=False).count() == 10


def test_the_digest_names_new_appeals(article, member, make_comment, moderator):
    post = _rejected(article, member, make_comment, moderator)
    mail.outbox.clear()
    appeals.submit(Appeal.objects.get(comment=post), "Please look again.")
    assert tell_moderators() is True
    [digest] = [m for m in mail.outbox if m.to == ["mod@example.org"]]
    assert "1 new appeal" in digest.subject and "Please look again." in digest.body
    assert "/admin/comments/appeal/?state=waiting" in digest.body


def test_the_admin_index_counts_appeals_waiting(client, article, member, make_comment, moderator):
    post = _rejected(article, member, make_comment, moderator)
    desk = _signed_in(type(client), moderator)
    row = re.compile(r"Appeals waiting for a decision</a></th><td>(\d+)<")
    assert row.search(desk.get("/admin/").content.decode()).group(1) == "0"
    appeals.submit(Appeal.objects.get(comment=post), "Please look again.")
    assert row.search(desk.get("/admin/").content.decode()).group(1) == "1"
