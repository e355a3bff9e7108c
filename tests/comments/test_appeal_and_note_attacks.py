"""Attacks on appeals, public notes and pins, found by an outside review of issue 14: each test
failed before its fix."""

import re

import pytest
from django.core import mail

from comments import appeals, moderator_actions, public_notes
from comments.models import Appeal, Comment, RejectionReason
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db


def _link_token():
    [message] = [m for m in mail.outbox if "was not published" in m.subject]
    return re.search(r"/comments/appeal/([^/\s]+)/", message.body).group(1)


def test_the_moderator_of_a_second_rejection_cannot_decide_its_appeal(
    article, member, make_comment, moderator, second_moderator, client
):
    """Impact: the "second pair of eyes" rule is bypassed. Moderator A rejects (the link is
    offered, rejected_by=A), the post is restored, then moderator B rejects it again: no new
    link, and Appeal.rejected_by stays A. The author uses the first mail's link (still open:
    the post is rejected, within 30 days) and B, who made the decision appealed, decides it."""
    post = make_comment(article, member, body="A frank post about side effects.")
    moderator_actions.reject(post, moderator, "misinformation")
    token = _link_token()
    moderator_actions.approve(post, moderator)  # A changes their mind
    moderator_actions.reject(post, second_moderator, "abuse")  # B takes it down again
    response = client.post(f"/comments/appeal/{token}/", {"text": "Please look again."})
    assert "Your appeal is sent" in response.content.decode()
    appeal = Appeal.objects.get()
    with pytest.raises(appeals.CannotDecide):
        appeals.decide(appeal, second_moderator, Appeal.Outcome.UPHELD, "I stand by it.")


def test_restoring_an_appeal_of_a_post_now_spam_is_refused(
    article, member, make_comment, moderator, second_moderator
):
    """Impact: the rejecting moderator (or anyone) marks the appealed post as spam while the
    appeal waits; the second moderator then "restores" it: decide() skips approve() because the
    post is no longer 'rejected', yet records outcome=restored, logs 'appeal: restored' and mails
    the author "put it back up" with a link to a post that is not on the site."""
    post = make_comment(article, member, body="My own experience with the drug.")
    moderator_actions.reject(post, moderator, "misinformation")
    appeal = Appeal.objects.get()
    assert appeals.submit(appeal, "It is my experience, not advice.")
    moderator_actions.mark_spam(post, moderator)  # the rejecting moderator, via another route
    mail.outbox.clear()
    with pytest.raises(appeals.CannotDecide):
        appeals.decide(appeal, second_moderator, Appeal.Outcome.RESTORED)
    post.refresh_from_db()
    appeal.refresh_from_db()
    told_restored = [m for m in mail.outbox if "back on" in m.subject]
    assert not told_restored and appeal.outcome != Appeal.Outcome.RESTORED
    assert post.status == Comment.Status.SPAM


def test_an_appeal_of_a_post_restored_meanwhile_is_closed_not_upheld(
    article, member, make_comment, moderator, second_moderator
):
    """Impact: the rejecting moderator approves the post from the comment admin (decide view
    or bulk Approve) while its appeal waits: the appeal stays 'waiting' in the Appeals list,
    and a second moderator may then 'uphold' it: the author is mailed "the post stays down"
    while it is published, and the log says before=rejected."""
    post = make_comment(article, member, body="A post about my diet.")
    moderator_actions.reject(post, moderator, "off_topic")
    appeal = Appeal.objects.get()
    assert appeals.submit(appeal, "It is about the condition.")
    signed_in(moderator).post(f"/admin/comments/comment/{post.pk}/decide/", {"decision": "approve"})
    assert Comment.objects.get(pk=post.pk).status == Comment.Status.PUBLISHED
    appeal.refresh_from_db()
    assert appeal.outcome == Appeal.Outcome.RESTORED and appeal.decided_by == moderator
    assert [m for m in mail.outbox if "back on" in m.subject]  # the author is answered
    mail.outbox.clear()
    with pytest.raises(appeals.CannotDecide):
        appeals.decide(appeal, second_moderator, Appeal.Outcome.UPHELD)
    assert not [m for m in mail.outbox if "decision stands" in m.subject]
    assert not Appeal.objects.filter(outcome=Appeal.Outcome.UPHELD).exists()


def test_a_reviewer_cannot_overwrite_a_moderators_note(
    article, member, make_comment, moderator, medical_reviewer
):
    """Impact: remove_note() refuses a reviewer removing a moderator's note, but set_note()
    lets the reviewer replace it with their own signed note (the moderator's words are gone
    from the post). The same goes for another reviewer's signed note."""
    post = make_comment(article, member, body="Stop your medicine.")
    public_notes.set_note(post, moderator, "Please talk to your doctor first.", as_reviewer=False)
    with pytest.raises(public_notes.CannotChange):
        public_notes.remove_note(post, medical_reviewer)
    signed_in(medical_reviewer).post(
        f"/admin/comments/comment/{post.pk}/decide/",
        {"decision": "note", "signed": "reviewer", "public_note": "Actually, fine."},
    )
    post.refresh_from_db()
    assert post.public_note == "Please talk to your doctor first."
    assert post.public_note_reviewer is None


def test_a_pinned_post_made_members_only_is_no_longer_pinned(
    article, member, make_comment, moderator, settings
):
    """Impact: pin() refuses a members-only post, but a pinned post later shown to members
    only (crisis: a possible self-harm post) keeps is_pinned: every signed-in member still
    gets it first in the thread with "Pinned by the moderators" (the crisis post promoted)."""
    settings.COMMENTS_READ_GATE = False
    make_comment(article, member, body="An ordinary newer post")
    post = make_comment(article, member, body="I do not see the point any more.")
    public_notes.pin(post, moderator)
    moderator_actions.respond_to_crisis(post, moderator, hide_fully=False)
    post.refresh_from_db()
    page = signed_in(member).get(article.get_absolute_url()).content.decode()
    assert "I do not see the point" in page  # members still see it, as intended
    assert not post.is_pinned and "Pinned by the moderators" not in page


def test_the_appeal_token_is_kept_out_of_the_request_log():
    """Impact: "only its hash is stored", yet /comments/appeal/<token>/ is not listed in
    kindred/secret_links.SECRET_PATHS, so every request log line (and 404 log) holds a usable
    appeal link: anyone reading the logs can appeal in the author's name."""
    from kindred.secret_links import hide_in_path

    token = "Zq3v9Ks0aVt4pLx8mN2bC7dF1gH5jK6lQ0wE9rT8yU2"
    assert token not in hide_in_path(f"/comments/appeal/{token}/")


def test_a_reason_in_use_keeps_its_code(article, member, make_comment, moderator, staff):
    """Impact: the admin lets staff edit a RejectionReason's `code` ("a short name, never
    shown"), but Comment.rejection_reason is a foreign key to that code (to_field, no ON UPDATE
    CASCADE): renaming a reason in use either fails at commit (IntegrityError, 500 on
    PostgreSQL) or leaves rejected posts pointing at a code that no longer exists."""
    post = make_comment(article, member, body="Buy my cure", status="pending")
    moderator_actions.reject(post, moderator, "spam")
    reason = RejectionReason.objects.get(code="spam")
    signed_in(staff).post(
        f"/admin/comments/rejectionreason/{reason.pk}/change/",
        {"code": "advert", "text": reason.text, "is_active": "on", "position": "0"},
    )
    code = RejectionReason.objects.get(pk=reason.pk).code
    kept = Comment.objects.get(pk=post.pk).rejection_reason_id
    dangling = not RejectionReason.objects.filter(code=kept).exists()
    RejectionReason.objects.filter(pk=reason.pk).update(code="spam")  # leave the data sound
    assert not dangling, f"the post's reason {kept!r} is gone (the reason is now {code!r})"
