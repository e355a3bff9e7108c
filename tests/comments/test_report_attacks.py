"""The report life cycle, members-only posts and crisis resources, attacked (an outside review
found each of these)."""

import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from comments import moderator_actions, notifications, pictures, posting
from comments.models import Comment, ModerationRules, ReplyNotice, Report

pytestmark = pytest.mark.django_db


def _png():
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 80, 40)).save(buffer, "PNG")
    return SimpleUploadedFile("p.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def member_browser(member):
    browser = Client()
    browser.force_login(member)
    return browser


def _report(browser, post, reason="abuse", **extra):
    return browser.post(f"/comments/{post.pk}/report/", {"reason": reason, "note": ""}, **extra)


# --- 2. members-only posts -------------------------------------------------------------------


def test_a_members_only_posts_picture_leaves_the_public_folder(
    article, member_browser, moderator, post_comment
):
    """pictures.sync_visibility: 'public' is status == PUBLISHED only, so a post shown to
    members only keeps its picture at the public address anonymous readers (and image search)
    were already given."""
    response = post_comment(
        member_browser, article, body="I cannot go on", image=_png(), image_alt="a photo"
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    post = Comment.objects.get()
    assert post.is_published and not pictures.is_private(post.image.name)
    public_url = post.image.url
    moderator_actions.respond_to_crisis(post, moderator, hide_fully=False)
    post.refresh_from_db()
    assert pictures.is_private(post.image.name), f"still served to anyone at {public_url}"


def test_a_members_only_reply_is_not_mailed_to_a_guest(
    article, member, make_subscriber, make_comment, moderator
):
    """notifications.send_due mails every published waiting reply, members-only or not: a
    notice batched within the hour carries the crisis post's words to a guest's inbox."""
    guest = make_subscriber(name="Sample Guest Parent", email="parent@example.org")
    parent = make_comment(article, guest, body="How do you all cope?")
    first = make_comment(article, member, parent=parent, body="Some days are hard")
    notifications.comment_published(first)  # mailed now; the next waits an hour
    crisis = make_comment(article, member, parent=parent, body="I have made my plan tonight")
    notifications.comment_published(crisis)
    moderator_actions.respond_to_crisis(crisis, moderator, hide_fully=False)
    mail.outbox.clear()
    ReplyNotice.objects.exclude(sent_at=None).update(sent_at="2000-01-01T00:00:00Z")
    notifications.send_all_due()
    to_guest = [m for m in mail.outbox if m.to == ["parent@example.org"]]
    assert not any("made my plan" in m.body for m in to_guest)


# --- 1. report life cycle --------------------------------------------------------------------


def test_members_only_answer_does_not_tell_a_member_reporter_the_post_was_taken_down(
    article, make_subscriber, make_comment, member_browser, moderator
):
    """respond_to_crisis resolves the reports: the member who reported it reads 'took the post
    down' on their account page, while the post is still in front of them."""
    post = make_comment(article, make_subscriber(name="Sample Writer"), body="Goodbye all")
    _report(member_browser, post, reason="self_harm")
    moderator_actions.respond_to_crisis(post, moderator, hide_fully=False)
    assert "Goodbye all" in member_browser.get(article.get_absolute_url()).content.decode()
    account = member_browser.get("/account/").content.decode()
    assert "took the post down" not in account


def test_approving_a_post_a_moderator_had_rejected_does_not_leave_it_taken_down(
    article, make_subscriber, make_comment, member_browser, moderator
):
    post = make_comment(article, make_subscriber(name="Sample Writer"), body="A view")
    _report(member_browser, post)
    moderator_actions.reject(post, moderator, "abuse")
    moderator_actions.approve(post, moderator)  # on appeal: it is back up
    post.refresh_from_db()
    assert post.is_published
    assert Report.objects.get().state != Report.State.RESOLVED


def test_a_reader_may_report_again_after_a_dismissal_once_the_post_was_edited(
    article, make_comment, member, member_browser, moderator, django_user_model
):
    """The unique constraints hold for every state: once a report was dismissed, its reader can
    never report the post again, whatever its author edits into it (REPEATED)."""
    writer = django_user_model.objects.create_user(
        email="w@example.org", password="a-long-test-password", display_name="Sample W"
    )
    post = make_comment(article, writer, body="A mild view")
    _report(member_browser, post)
    moderator_actions.dismiss_reports(post, moderator)
    posting.edit_comment(post, posting.Author(user=writer, is_proven=True), "Now a nasty one")
    page = _report(member_browser, post).content.decode()
    assert Report.objects.filter(state=Report.State.OPEN).count() == 1, page


def test_a_post_its_author_removed_does_not_stay_waiting_for_a_moderator(
    article, make_comment, member_browser, django_user_model
):
    writer = django_user_model.objects.create_user(
        email="w@example.org", password="a-long-test-password", display_name="Sample W"
    )
    post = make_comment(article, writer, body="A rude view")
    _report(member_browser, post)
    posting.remove_comment(post)
    account = member_browser.get("/account/").content.decode()
    assert "waiting for a moderator" not in account


def test_the_reported_queue_and_its_count_on_the_index_agree_for_a_removed_post(
    client, article, make_comment, member_browser, moderator, django_user_model
):
    writer = django_user_model.objects.create_user(
        email="w@example.org", password="a-long-test-password", display_name="Sample W"
    )
    post = make_comment(article, writer, body="A rude view")
    _report(member_browser, post)
    posting.remove_comment(post)
    client.force_login(moderator)
    from comments.templatetags.moderation import moderation_counts

    listed = client.get("/admin/comments/comment/?queue=reported").context["cl"].result_count
    assert listed == moderation_counts()["reported"]


def test_the_export_says_what_became_of_each_report(member, member_browser, article, make_comment):
    from comments.personal_data import export_comments

    post = make_comment(article, body="A view")
    _report(member_browser, post)
    [report] = export_comments(member)["reports"]
    assert {"state", "reported_at", "handled_at"} <= set(report)


def test_the_account_page_reads_the_reports_in_constant_queries(
    member, member_browser, article, make_comment, django_assert_max_num_queries
):
    for n in range(5):
        _report(member_browser, make_comment(article, body=f"View {n}"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as five:
        member_browser.get("/account/")
    for n in range(5):
        _report(member_browser, make_comment(article, body=f"More {n}"))
    with CaptureQueriesContext(connection) as ten:
        member_browser.get("/account/")
    assert len(ten) == len(five)


def test_fresh_reports_after_a_dismissal_still_hide_the_post(
    article, make_subscriber, make_comment, guest_login, moderator
):
    ModerationRules.objects.update_or_create(pk=1, defaults={"report_threshold": 2})
    post = make_comment(article, make_subscriber(name="Sample Writer"), body="A view")
    for n, ip in enumerate(["203.0.113.1", "198.51.100.1"]):
        browser = Client()
        guest_login(browser, make_subscriber(name=f"Sample R{n}"), proven=True)
        _report(browser, post, REMOTE_ADDR=ip)
    post.refresh_from_db()
    assert not post.is_published
    moderator_actions.approve(post, moderator)
    for n, ip in enumerate(["192.0.2.1", "100.64.0.1"]):
        browser = Client()
        guest_login(browser, make_subscriber(name=f"Sample F{n}"), proven=True)
        _report(browser, post, REMOTE_ADDR=ip)
    post.refresh_from_db()
    assert not post.is_published


def test_a_moderators_deleted_account_leaves_the_reports_they_closed(
    article, make_comment, member_browser, moderator
):
    post = make_comment(article, body="A view")
    _report(member_browser, post)
    moderator_actions.dismiss_reports(post, moderator)
    moderator.delete()
    report = Report.objects.get()
    assert report.state == Report.State.DISMISSED and report.handled_by is None


# --- 3. crisis resources ---------------------------------------------------------------------


def test_the_admin_refuses_a_javascript_url_for_a_crisis_resource(client, staff):
    from comments.models import CrisisResource

    client.force_login(staff)
    client.post(
        "/admin/comments/crisisresource/add/",
        {"name": "Evil", "how_to_reach": "x", "url": "javascript:alert(1)", "position": 0},
    )
    assert not CrisisResource.objects.filter(name="Evil").exists()
