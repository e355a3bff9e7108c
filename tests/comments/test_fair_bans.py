"""Fair bans: a reason and (for a suspension) an end date, both mailed to the person; a ban
from the queue asks first; people are found by name or address; a ban can be lifted and can
take down the person's published posts."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from comments import posting
from comments.models import Ban, Comment, ModerationAction

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client, moderator):
    client.force_login(moderator)
    return client


def _ban_from_queue(desk, post, **answers):
    data = {"action": "ban_authors", "_selected_action": [post.pk], **answers}
    return desk.post("/admin/comments/comment/", data, follow=True)


def test_ban_the_authors_asks_for_a_reason_before_banning_anyone(
    desk, member, article, make_comment
):
    post = make_comment(article, member, body="Buy my pills")
    page = _ban_from_queue(desk, post).content.decode()
    assert "Ban the authors of these posts?" in page and "Buy my pills" in page
    assert not Ban.objects.exists()
    page = _ban_from_queue(desk, post, confirm="yes", reason="").content.decode()
    assert "This field is required." in page
    assert not Ban.objects.exists()


def test_a_suspension_is_mailed_with_its_reason_and_end_date(desk, member, article, make_comment):
    post = make_comment(article, member, body="Rude words", status="pending")
    until = (timezone.now() + datetime.timedelta(days=7)).replace(microsecond=0)
    _ban_from_queue(
        desk,
        post,
        confirm="yes",
        reason="Insulting other members",
        until=until.strftime("%Y-%m-%d %H:%M:%S"),
    )
    ban = Ban.objects.get()
    assert ban.user == member and ban.until is not None
    [notice] = [m for m in mail.outbox if m.to == [member.email]]
    assert "paused your posting until" in notice.body
    assert "Insulting other members" in notice.body
    post.refresh_from_db()
    assert post.status == Comment.Status.REJECTED  # its waiting post went with the ban


def test_a_suspension_must_end_in_the_future(desk, member, article, make_comment):
    post = make_comment(article, member)
    page = _ban_from_queue(desk, post, confirm="yes", reason="x", until="2020-01-01 10:00:00")
    assert "A suspension ends in the future." in page.content.decode()
    assert not Ban.objects.exists()


def test_a_ban_can_take_down_the_persons_published_posts_or_leave_them(
    desk, member, article, make_comment, make_subscriber
):
    kept = make_comment(article, member, body="Old kind words")
    post = make_comment(article, member, body="New spam")
    _ban_from_queue(desk, post, confirm="yes", reason="Spam")
    kept.refresh_from_db()
    assert kept.is_published  # not asked to
    Ban.objects.all().delete()
    guest = make_subscriber(name="Sample Spammer", email="spam@example.org")
    older = make_comment(article, guest, body="Older post by the spammer")
    newer = make_comment(article, guest, body="Newest spam")
    _ban_from_queue(desk, newer, confirm="yes", reason="Spam", hide_posts="on")
    older.refresh_from_db()
    assert older.status == Comment.Status.REJECTED
    assert ModerationAction.objects.filter(action="hide (author banned)").count() == 2


def test_a_moderator_finds_the_member_by_name_not_by_number(desk, member, django_user_model):
    response = desk.post("/admin/comments/ban/add/", {"person": "Nobody Here", "reason": "x"})
    assert "No member has that name or address." in response.content.decode()
    django_user_model.objects.create_user(
        email="twin@example.org", password="a-long-test-password", display_name="Sample Member"
    )
    response = desk.post("/admin/comments/ban/add/", {"person": "sample member", "reason": "x"})
    assert "Several members have that name" in response.content.decode()
    desk.post("/admin/comments/ban/add/", {"person": member.email, "reason": "Spam run"})
    assert Ban.objects.get().user == member
    assert [m.to for m in mail.outbox if "no longer post" in m.subject] == [[member.email]]


def test_a_lifted_ban_lets_the_person_post_again_and_tells_them(desk, member):
    ban = Ban.objects.create(user=member, reason="Spam run", email_hash="x")
    assert posting.active_ban(user=member) is not None
    desk.post("/admin/comments/ban/", {"action": "lift", "_selected_action": [ban.pk]})
    assert posting.active_ban(user=member) is None
    assert Ban.objects.filter(pk=ban.pk).exists()  # kept, ended, for the record
    [notice] = [m for m in mail.outbox if m.to == [member.email]]
    assert "you can post comments again" in notice.body
    assert ModerationAction.objects.filter(action="lift ban").exists()


def test_a_page_outside_a_moderators_role_says_so_in_the_admins_look(desk):
    response = desk.get("/admin/articles/article/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "Your role does not include this page" in page
    assert "Kindred administration" in page or 'id="site-name"' in page  # the admin's header


# --- Moderators act where they look: the post's own page ------------------------------------


def test_a_moderator_decides_from_the_posts_own_page(desk, article, make_comment, make_subscriber):
    root = make_comment(article, make_subscriber(name="Sample Root"), body="How do you cope?")
    post = make_comment(
        article, make_subscriber(name="Sample Replier"), body="Buy pills", parent=root
    )
    page = desk.get(f"/admin/comments/comment/{post.pk}/change/").content.decode()
    assert "conversation around it" in page and "How do you cope?" in page
    assert f'href="{post.get_absolute_url()}"' in page  # open it on the site
    response = desk.post(
        f"/admin/comments/comment/{post.pk}/decide/",
        {"decision": "reject", "reason": "spam"},
        follow=True,
    )
    assert "Rejected; the author is told why." in response.content.decode()
    post.refresh_from_db()
    assert post.status == Comment.Status.REJECTED and post.rejection_reason_id == "spam"
    assert ModerationAction.objects.filter(comment=post, action="reject").exists()
    assert (
        "Not on the site" in desk.get(f"/admin/comments/comment/{post.pk}/change/").content.decode()
    )


def test_the_decide_address_takes_no_get_and_no_one_without_the_right(
    client, member, article, make_comment
):
    post = make_comment(article, member, body="Mine")
    client.force_login(member)
    response = client.post(f"/admin/comments/comment/{post.pk}/decide/", {"decision": "spam"})
    assert response.status_code in (302, 403)
    post.refresh_from_db()
    assert post.is_published


def test_a_rejection_mail_gives_the_moderators_words_and_a_reply_address_only_when_set(
    desk, settings, article, make_comment, make_subscriber
):
    guest = make_subscriber(name="Sample Author", email="author@example.org")
    post = make_comment(article, guest, body="Try these pills", status="pending")
    desk.post(
        f"/admin/comments/comment/{post.pk}/decide/",
        {"decision": "reject", "reason": "spam", "note": "Links to shops are not allowed here."},
    )
    [mail_] = [m for m in mail.outbox if m.to == ["author@example.org"]]
    assert "The moderator adds: Links to shops are not allowed here." in mail_.body
    assert "reply to this mail" not in mail_.body and "Reply-To" not in mail_.extra_headers
    settings.MODERATION_REPLY_TO = "moderators@example.org"
    other = make_comment(article, guest, body="More pills", status="pending")
    desk.post(
        f"/admin/comments/comment/{other.pk}/decide/", {"decision": "reject", "reason": "spam"}
    )
    last = [m for m in mail.outbox if m.to == ["author@example.org"]][-1]
    assert "reply to this mail (moderators@example.org)" in last.body
    assert last.extra_headers["Reply-To"] == "moderators@example.org"


def test_the_posts_page_shows_the_authors_earlier_bans(desk, member, article, make_comment):
    post = make_comment(article, member, body="Back again", status="pending")
    page = desk.get(f"/admin/comments/comment/{post.pk}/change/").content.decode()
    assert "Bans: none." in page
    ended = timezone.now() - datetime.timedelta(days=2)
    Ban.objects.create(user=member, reason="Sample: insults last spring", until=ended)
    page = desk.get(f"/admin/comments/comment/{post.pk}/change/").content.decode()
    assert "Sample: insults last spring" in page and f"ended {ended:%Y-%m-%d}" in page


def test_a_suspended_member_is_told_when_they_may_post_again(client, member, article, post_comment):
    until = timezone.now() + datetime.timedelta(days=3)
    Ban.objects.create(user=member, reason="Sample: a cooling-off week", until=until)
    client.force_login(member)
    response = post_comment(client, article, body="Can I post yet?")
    page = response.content.decode()
    assert response.status_code == 403
    assert "You are suspended from posting until" in page and str(until.year) in page
    assert "no longer post" not in page
    Ban.objects.update(until=None)  # a ban for good says so
    page = post_comment(client, article, body="And now?").content.decode()
    assert "You can no longer post comments on this site." in page
