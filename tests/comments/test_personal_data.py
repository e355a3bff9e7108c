"""A member's comments in "export my data" and "delete my account"; old IP addresses purged."""

import datetime
import io
import json

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Subscriber
from comments.models import Ban, Comment, Report
from comments.posting import active_ban

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, member):
    client.force_login(member)
    return client


def test_export_includes_the_members_comments(logged_in, member, article, make_comment):
    make_comment(article, member, body="My story")
    data = json.loads(logged_in.post("/account/export/").content)
    assert [c["text"] for c in data["comments"]["comments"]] == ["My story"]


def test_delete_keeping_comments_shows_a_former_member(logged_in, member, article, make_comment):
    make_comment(article, member, body="Worth keeping")
    logged_in.post("/account/delete/", {"password": "a-long-test-password", "comments": "keep"})
    comment = Comment.objects.get()
    assert comment.author_user is None and comment.author_name == "a former member"
    viewer = type(logged_in)()
    viewer.force_login(
        type(member).objects.create_user(email="v@example.org", password="x" * 12, display_name="V")
    )
    page = viewer.get(article.get_absolute_url()).content.decode()
    assert "Worth keeping" in page and "a former member" in page
    assert "Sample Member" not in page


def test_delete_removing_comments_keeps_other_peoples_replies(
    logged_in, member, article, make_comment, make_subscriber
):
    lonely = make_comment(article, member, body="Nobody answered")
    answered = make_comment(article, member, body="Somebody answered")
    make_comment(article, make_subscriber(), parent=answered, body="The answer")
    logged_in.post("/account/delete/", {"password": "a-long-test-password", "comments": "remove"})
    assert not Comment.objects.filter(pk=lonely.pk).exists()
    answered.refresh_from_db()
    assert answered.is_removed and answered.body == "" and answered.author_user is None
    assert Comment.objects.filter(body="The answer").exists()


# --- Old IP addresses are forgotten ---------------------------------------------------------


def _aged(model, pk, days):
    model.objects.filter(pk=pk).update(created_at=timezone.now() - datetime.timedelta(days=days))


def test_ip_addresses_are_emptied_after_the_retention_period(
    article, make_comment, make_subscriber, member, settings
):
    from comments.models import Report

    settings.IP_RETENTION_DAYS = 90
    old = make_comment(article, member, body="Long ago", ip_address="203.0.113.7")
    recent = make_comment(article, member, body="Last month", ip_address="203.0.113.8")
    _aged(Comment, old.pk, 91)
    _aged(Comment, recent.pk, 30)
    report = Report.objects.create(
        comment=recent, reporter_subscriber=make_subscriber(), reason="spam", **_ip("198.51.100.9")
    )
    _aged(Report, report.pk, 200)

    out = io.StringIO()
    call_command("purge_ip_addresses", stdout=out)
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.ip_address is None
    assert recent.ip_address == "203.0.113.8"
    if _ip("x"):
        assert Report.objects.get().ip_address is None
    assert "1 comments" in out.getvalue()

    again = io.StringIO()
    call_command("purge_ip_addresses", stdout=again)
    recent.refresh_from_db()
    assert recent.ip_address == "203.0.113.8"
    assert "0 comments" in again.getvalue() and "1 " not in again.getvalue()


def _ip(value):
    """Report.ip_address where the reports carry one (engineer B's reporting limits)."""
    from comments.models import Report

    has_ip = any(f.name == "ip_address" for f in Report._meta.get_fields())
    return {"ip_address": value} if has_ip else {}


# --- Deleting an account erases the member's guest past too ---------------------------------


def _verified(member, *addresses):
    for n, address in enumerate(addresses):
        EmailAddress.objects.create(user=member, email=address, verified=True, primary=n == 0)


def _delete_account(client, keep):
    return client.post(
        "/account/delete/",
        {"password": "a-long-test-password", "comments": "keep" if keep else "remove"},
    )


@pytest.mark.parametrize("keep", [False, True])
def test_guest_posts_from_a_verified_address_go_with_the_account(
    logged_in, member, article, make_comment, make_subscriber, keep
):
    _verified(member, member.email, "Old.Address@example.org")
    EmailAddress.objects.create(user=member, email="not-proven@example.org", verified=False)
    before_joining = make_subscriber(email="old.address@example.org", name="Sample Real Name")
    someone_else = make_subscriber(email="not-proven@example.org", name="Someone Else")
    make_comment(article, before_joining, body="Written as a guest")
    make_comment(article, someone_else, body="Not theirs")

    _delete_account(logged_in, keep)

    assert Comment.objects.get(body="Not theirs").author_subscriber == someone_else
    kept = Comment.objects.filter(body="Written as a guest")
    if keep:
        assert kept.get().author_name == "a former member"
        assert kept.get().guest_key == ""
    else:
        assert not kept.exists()
    assert not Subscriber.objects.filter(email__iexact="old.address@example.org").exists()
    page = type(logged_in)().get(article.get_absolute_url()).content.decode()
    assert "Sample Real Name" not in page


def test_report_notes_go_with_the_account(
    logged_in, member, article, make_comment, make_subscriber
):
    _verified(member, member.email, "guest-days@example.org")
    post = make_comment(article, make_subscriber(), body="Reported")
    other = make_comment(article, make_subscriber(), body="Also reported")
    Report.objects.create(
        comment=post, reporter_user=member, reason="other", note="It is my aunt Jo"
    )
    as_guest = make_subscriber(email="guest-days@example.org")
    Report.objects.create(
        comment=other, reporter_subscriber=as_guest, reason="other", note="Me, Jo"
    )

    _delete_account(logged_in, keep=True)

    assert Report.objects.count() == 2  # the moderators still see that the posts were reported
    assert list(Report.objects.values_list("note", flat=True)) == ["", ""]
    assert not Report.objects.filter(reporter_user__isnull=False).exists()
    assert not Report.objects.filter(reporter_subscriber__isnull=False).exists()


def test_a_ban_outlives_the_account_as_a_hashed_address(
    logged_in, client, member, article, make_subscriber, moderator, post_comment, django_user_model
):
    _verified(member, member.email)
    Ban.objects.create(user=member, reason="Spam run", created_by=moderator)

    _delete_account(logged_in, keep=False)

    ban = Ban.objects.get()
    assert ban.user is None and ban.email == ""
    assert ban.email_hash and "member@example.org" not in str(ban.__dict__)

    comeback = django_user_model.objects.create_user(
        email="MEMBER@example.org", password="x" * 12, display_name="Fresh Start"
    )
    again = type(client)()
    again.force_login(comeback)
    response = post_comment(again, article, body="Back again")
    assert "You can no longer post comments on this site." in response.content.decode()
    assert not Comment.objects.filter(body="Back again").exists()
    assert active_ban(email="member@EXAMPLE.org") == ban  # as a guest, too
    assert active_ban(email="someone@example.org") is None


def test_a_guest_ban_on_a_members_old_address_is_kept_hashed(
    logged_in, member, make_subscriber, moderator
):
    _verified(member, member.email, "spam-days@example.org")
    Ban.objects.create(email="spam-days@example.org", reason="Spam run", created_by=moderator)

    _delete_account(logged_in, keep=False)

    assert not Ban.objects.filter(email__iexact="spam-days@example.org").exists()
    assert active_ban(email="spam-days@example.org").reason == "Spam run"


@pytest.mark.parametrize("keep", [True, False])
def test_the_audit_log_forgets_the_words_and_names_of_a_deleted_account(
    logged_in, member, article, make_comment, moderator, keep
):
    from comments import moderator_actions
    from comments.models import ModerationAction

    post = make_comment(article, member, body="Call me on 07700 900123, I am Jo Bloggs")
    moderator_actions.moderator_edit(
        post, moderator, body="Call me (number removed by a moderator)"
    )
    moderator_actions.ban_author(
        post, moderator, reason="Shared a phone number", until=timezone.now()
    )

    _delete_account(logged_in, keep=keep)

    entries = " ".join(
        f"{e.subject} {e.note} {e.text_before}" for e in ModerationAction.objects.all()
    )
    assert ModerationAction.objects.count() == 2  # what moderators did is still on record
    assert "07700 900123" not in entries
    assert member.display_name not in entries
    assert member.email not in entries


def test_a_deleted_members_hugs_no_longer_count(
    logged_in, client, member, article, make_comment, make_subscriber, settings
):
    settings.COMMENTS_READ_GATE = False
    post = make_comment(article, make_subscriber(), body="Hard day today")
    logged_in.post(f"/comments/{post.pk}/hug/")
    assert "1 hug" in type(client)().get(article.get_absolute_url()).content.decode()

    _delete_account(logged_in, keep=True)

    post.refresh_from_db()
    assert post.hug_count == 0
    assert "1 hug" not in type(client)().get(article.get_absolute_url()).content.decode()
