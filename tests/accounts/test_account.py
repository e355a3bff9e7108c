"""/account/: settings, newsletter preference, export my data, delete my account."""

import json

import pytest
from django.core import mail

from accounts import privacy
from accounts.models import Delivery, Subscriber, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, member):
    client.force_login(member)
    return client


def test_account_page_needs_a_login(client):
    response = client.get("/account/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_change_display_name_bio_and_reply_notifications(logged_in, member):
    response = logged_in.post(
        "/account/",
        {"display_name": "Sample Renamed", "bio": "Living with SMA.", "notify_replies": ""},
        follow=True,
    )
    assert "Your settings are saved." in response.content.decode()
    member.refresh_from_db()
    assert member.display_name == "Sample Renamed" and member.bio == "Living with SMA."
    assert member.notify_replies is False


def test_blank_display_name_is_refused_beside_the_field(logged_in, member):
    response = logged_in.post("/account/", {"display_name": "  ", "bio": ""})
    assert "is-invalid" in response.content.decode()
    member.refresh_from_db()
    assert member.display_name == "Sample Member"


def test_newsletter_preference_subscribes_without_a_confirmation_mail(logged_in, member):
    logged_in.post("/account/", {"display_name": "Sample Member", "wants_newsletter": "on"})
    subscriber = Subscriber.objects.get()
    assert subscriber.user == member and subscriber.is_subscribed
    assert mail.outbox == []
    logged_in.post("/account/", {"display_name": "Sample Member"})
    subscriber.refresh_from_db()
    assert not subscriber.is_subscribed
    assert 'name="wants_newsletter"' in logged_in.get("/account/").content.decode()


def test_export_is_a_json_download_of_everything_we_hold(logged_in, member):
    logged_in.post("/subscribe/", {"name": "Sample Member", "email": "member@example.org"})
    response = logged_in.post("/account/export/")
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["account"]["email"] == "member@example.org"
    assert data["account"]["display_name"] == "Sample Member"
    assert data["subscription"]["confirmed_at"] is not None
    assert set(privacy.export_member(member)) <= set(data)


def test_export_needs_a_post(logged_in):
    assert logged_in.get("/account/export/").status_code == 405


def test_delete_needs_the_password(logged_in, member):
    response = logged_in.post("/account/delete/", {"password": "wrong", "comments": "keep"})
    assert "That is not your current password." in response.content.decode()
    assert User.objects.filter(pk=member.pk).exists()


def test_delete_erases_personal_data_and_logs_out(logged_in, member):
    logged_in.post("/account/", {"display_name": "Sample Member", "wants_newsletter": "on"})
    Delivery.objects.create(key="k", to="member@example.org", subject="s", text_body="t")
    response = logged_in.post(
        "/account/delete/", {"password": "a-long-test-password", "comments": "remove"}, follow=True
    )
    assert "Your account and personal data have been deleted." in response.content.decode()
    assert not User.objects.filter(pk=member.pk).exists()
    assert not Subscriber.objects.exists()
    assert not Delivery.objects.filter(to__iexact="member@example.org").exists()
    assert "_auth_user_id" not in logged_in.session


def test_every_registered_eraser_runs_with_the_members_choice(logged_in, member, monkeypatch):
    seen = []
    monkeypatch.setitem(privacy._erasers, "probe", lambda user, keep: seen.append((user.pk, keep)))
    logged_in.post("/account/delete/", {"password": "a-long-test-password", "comments": "keep"})
    assert seen == [(member.pk, True)]


def test_delete_erases_the_guest_past_of_every_spelling_of_a_proved_inbox(
    logged_in, member, make_subscriber, article, make_comment
):
    from comments.models import Comment

    past = make_subscriber(email="Member+guest@Example.org", name="My guest name")
    make_comment(article, past, body="Written as a guest", ip_address="203.0.113.9")
    Delivery.objects.create(key="k", to="member+guest@example.org", subject="s", text_body="t")
    logged_in.post("/account/delete/", {"password": "a-long-test-password", "comments": "remove"})
    assert not Subscriber.objects.exists()
    assert not Comment.objects.exists()
    assert not Delivery.objects.exists()
