"""Reports (one per reader, crisis resources for self-harm) and hugs (one per member)."""

import pytest

from comments.models import Comment, Report

pytestmark = pytest.mark.django_db


@pytest.fixture
def post(article, make_comment, make_subscriber):
    return make_comment(article, make_subscriber(name="Sample Poster"), body="Buy pills here")


def test_reader_reports_a_post_once(client, member, post):
    client.force_login(member)
    form = client.get(f"/comments/{post.pk}/report/").content.decode()
    assert "Medical misinformation" in form and "Self-harm or crisis" in form
    response = client.post(f"/comments/{post.pk}/report/", {"reason": "spam"})
    assert "Thank you for your report" in response.content.decode()
    again = client.post(f"/comments/{post.pk}/report/", {"reason": "abuse"})
    assert "You have already reported this post" in again.content.decode()
    post.refresh_from_db()
    assert post.report_count == 1
    assert Report.objects.get().reason == "spam"


def test_self_harm_report_shows_crisis_resources_and_jumps_the_queue(client, member, post):
    client.force_login(member)
    response = client.post(f"/comments/{post.pk}/report/", {"reason": "self_harm"})
    page = response.content.decode()
    assert "If someone may be in danger right now" in page and "988" in page
    post.refresh_from_db()
    assert post.is_urgent
    assert Comment.objects.order_by("-is_urgent", "created_at").first() == post


def test_report_needs_a_reason(client, member, post):
    client.force_login(member)
    response = client.post(f"/comments/{post.pk}/report/", {"reason": ""})
    assert "This field is required" in response.content.decode()
    assert not Report.objects.exists()


def test_anonymous_visitor_is_asked_who_they_are(client, post):
    response = client.post(f"/comments/{post.pk}/report/", {"reason": "spam"})
    assert response.status_code == 403
    assert not Report.objects.exists()


def test_guest_can_report(client, post, make_subscriber, guest_login):
    guest_login(client, make_subscriber())
    client.post(f"/comments/{post.pk}/report/", {"reason": "misinformation"})
    assert Report.objects.get().reporter_subscriber is not None


def test_member_hugs_once_and_the_count_shows(client, member, post, django_user_model):
    client.force_login(member)
    client.post(f"/comments/{post.pk}/hug/")
    post.refresh_from_db()
    assert post.hug_count == 1
    page = client.get(post.article.get_absolute_url()).content.decode()
    assert "1 hug</span>" in page and 'aria-pressed="true"' in page
    client.post(f"/comments/{post.pk}/hug/")  # pressing again takes the hug back
    post.refresh_from_db()
    assert post.hug_count == 0


def test_guests_cannot_hug(client, post, make_subscriber, guest_login):
    guest_login(client, make_subscriber())
    response = client.post(f"/comments/{post.pk}/hug/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    post.refresh_from_db()
    assert post.hug_count == 0
