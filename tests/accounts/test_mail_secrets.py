"""Mails with a log-in, reset or confirmation link: sendable and retried, never kept readable."""

import datetime
import json
import logging
import re
import smtplib
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from accounts import mail as kindred_mail
from accounts import privacy, subscriptions
from accounts.models import AddressClaim, Delivery, Subscriber

pytestmark = pytest.mark.django_db

RESET_LINK = re.compile(r"https?://[^\s\"'<>]+/accounts/password/reset/key/[^\s\"'<>]+")
CONFIRM_LINK = re.compile(r"https?://[^\s\"'<>]+/subscribe/confirm/[^/\s\"'<>]+/")


def _refuse_to_send(monkeypatch):
    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("server went away")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)


def _stored_text():
    """Every column of every stored delivery, as one string."""
    return "\n".join(
        repr(getattr(d, field.attname)) for d in Delivery.objects.all() for field in d._meta.fields
    )


def _secret_parts(link):
    """The link and its last path segment (the token), each of which must be absent."""
    token = link.rstrip("/").rsplit("/", 1)[-1]
    assert len(token) >= 16
    return [link, token]


def _assert_nowhere(secrets, *texts):
    for secret in secrets:
        for text in texts:
            assert secret not in text


def _admin_change_page(client, staff, delivery):
    client.force_login(staff)
    response = client.get(f"/admin/accounts/delivery/{delivery.pk}/change/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def verified_member(member):
    EmailAddress.objects.create(user=member, email=member.email, verified=True, primary=True)
    return member


def test_sent_reset_mail_keeps_no_link_in_the_database_admin_export_or_log(
    client, verified_member, staff, caplog
):
    with caplog.at_level(logging.DEBUG):
        client.post("/accounts/password/reset/", {"email": verified_member.email})
    (message,) = [m for m in mail.outbox if m.to == [verified_member.email]]
    link = RESET_LINK.search(message.body).group(0)
    secrets = _secret_parts(link)
    delivery = Delivery.objects.get(to=verified_member.email)
    assert delivery.status == Delivery.Status.SENT and delivery.is_sensitive
    assert delivery.subject == message.subject  # what identifies the mail stays

    page = _admin_change_page(client, staff, delivery)
    assert "contains a one-time link: not kept" in page.lower()
    export = json.dumps(privacy.export_member(verified_member))
    assert message.subject in export
    logs = "\n".join(r.getMessage() + repr(r.__dict__) for r in caplog.records)
    _assert_nowhere(secrets, _stored_text(), page, export, logs)

    assert client.get(link).status_code == 302  # the mailed link itself still works


def test_failed_reset_mail_is_retried_later_with_a_working_link(
    client, verified_member, monkeypatch
):
    _refuse_to_send(monkeypatch)
    client.post("/accounts/password/reset/", {"email": verified_member.email})
    delivery = Delivery.objects.get(to=verified_member.email)
    assert delivery.status == Delivery.Status.FAILED
    stored_while_waiting = _stored_text()
    assert "/accounts/password/reset/key/" not in stored_while_waiting

    monkeypatch.undo()
    Delivery.objects.update(next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))
    call_command("retry_mail")
    (message,) = mail.outbox
    link = RESET_LINK.search(message.body).group(0)
    _assert_nowhere(_secret_parts(link), stored_while_waiting, _stored_text())
    set_password_page = client.get(link, follow=True)
    assert set_password_page.status_code == 200
    assert b"password1" in set_password_page.content  # the form to choose a new password


def test_failed_confirmation_is_retried_for_hours_and_its_link_still_confirms(client, monkeypatch):
    _refuse_to_send(monkeypatch)
    client.post("/subscribe/", {"name": "Sample Reader", "email": "reader@example.org"})
    delivery = Delivery.objects.get()
    for _ in range(4):  # 1 min, 5 min, 30 min, 2 h later: still failing, still kept
        Delivery.objects.update(next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))
        call_command("retry_mail")
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED and delivery.attempts == 5
    assert delivery.is_sensitive and delivery.text_body == delivery.html_body == ""
    assert "/subscribe/confirm/" not in _stored_text()

    monkeypatch.undo()
    Delivery.objects.update(next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))
    call_command("retry_mail")
    (message,) = mail.outbox
    link = CONFIRM_LINK.search(message.body).group(0)
    assert link in message.alternatives[0][0]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    _assert_nowhere(_secret_parts(link), _stored_text())
    client.post(urlsplit(link).path)
    assert Subscriber.objects.get().is_confirmed


# The worker closes database connections between tasks, so this test needs real commits.
@pytest.mark.django_db(transaction=True)
def test_confirmation_waiting_for_the_worker_is_sealed(settings, client):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    client.post("/subscribe/", {"name": "Sample Reader", "email": "reader@example.org"})
    # The request only queues the decision (accounts/subscriptions.py); taken here, it writes
    # the mail for the worker. The worker's own run of it then finds the mail already sent.
    subscriptions.ask_for_confirmation(AddressClaim.objects.get().pk)
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.PENDING and delivery.sealed_body
    assert "/subscribe/confirm/" not in _stored_text()
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    (message,) = mail.outbox
    assert CONFIRM_LINK.search(message.body)
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT and delivery.sealed_body == ""


def _queue_sensitive(key="reset:1", to="reader@example.org"):
    return kindred_mail.queue_message(
        key=key,
        to=to,
        subject="Reset your password",
        text="Open https://kindred.example/reset/s3cr3t-t0ken-value/",
        sensitive=True,
    )


def test_a_sealed_mail_moved_to_another_address_is_not_sent(monkeypatch):
    _refuse_to_send(monkeypatch)
    victim = _queue_sensitive(to="victim@example.org")
    monkeypatch.undo()
    Delivery.objects.filter(pk=victim.pk).update(to="attacker@example.org")
    kindred_mail.deliver(victim.pk)
    victim.refresh_from_db()
    assert mail.outbox == [] and victim.status == Delivery.Status.FAILED
    assert "another delivery" in victim.last_error


def test_a_sealed_mail_is_still_sent_after_the_secret_key_is_rotated(settings, monkeypatch):
    _refuse_to_send(monkeypatch)
    delivery = _queue_sensitive()
    monkeypatch.undo()
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40
    settings.SECRET_KEY_FALLBACKS = [old_key]
    kindred_mail.deliver(delivery.pk)
    assert "s3cr3t-t0ken-value" in mail.outbox[0].body


def test_a_sealed_mail_no_key_opens_fails_and_stays_for_retry(settings, monkeypatch):
    _refuse_to_send(monkeypatch)
    delivery = _queue_sensitive()
    monkeypatch.undo()
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40
    settings.SECRET_KEY_FALLBACKS = []
    kindred_mail.deliver(delivery.pk)
    delivery.refresh_from_db()
    assert mail.outbox == [] and delivery.status == Delivery.Status.FAILED
    assert "SECRET_KEY" in delivery.last_error and delivery.sealed_body


def _sent(key, days_ago):
    delivery = kindred_mail.queue_message(
        key=key,
        to="reader@example.org",
        subject="A reply",
        text="Someone replied. Stop these: https://kindred.example/off/k3y/",
        headers={"List-Unsubscribe": "<https://kindred.example/unsubscribe/k3y/>"},
    )
    Delivery.objects.filter(pk=delivery.pk).update(
        sent_at=timezone.now() - datetime.timedelta(days=days_ago)
    )
    return delivery


def test_retention_command_clears_old_bodies_and_keeps_recent_ones(settings, client, staff):
    settings.MAIL_BODY_RETENTION_DAYS = 30
    old, recent = _sent("reply:old", 31), _sent("reply:recent", 29)
    call_command("clear_mail_bodies")
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.text_body == old.html_body == "" and old.headers == {}
    assert old.body_cleared_at is not None and old.subject == "A reply"
    assert "k3y" in recent.text_body and recent.headers and recent.body_cleared_at is None
    assert "cleared" in _admin_change_page(client, staff, old).lower()

    cleared_at = old.body_cleared_at
    call_command("clear_mail_bodies")  # a second run changes nothing
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.body_cleared_at == cleared_at and "k3y" in recent.text_body


def test_retention_keeps_a_failed_mail_until_it_is_sent(settings, monkeypatch):
    settings.MAIL_BODY_RETENTION_DAYS = 0
    _refuse_to_send(monkeypatch)
    delivery = kindred_mail.queue_message(key="k", to="r@example.org", subject="S", text="words")
    call_command("clear_mail_bodies")
    delivery.refresh_from_db()
    assert delivery.text_body == "words"


def test_export_names_the_mails_without_their_links(verified_member, client):
    client.post("/accounts/password/reset/", {"email": verified_member.email})
    _sent("reply:member", 1)
    Delivery.objects.filter(key="reply:member").update(to=verified_member.email)
    (message, *_) = mail.outbox
    exported = privacy.export_member(verified_member)
    text = json.dumps(exported)
    _assert_nowhere(_secret_parts(RESET_LINK.search(message.body).group(0)), text)
    assert "k3y" not in text
    assert message.subject in text and "A reply" in text


def test_staff_retry_a_sealed_mail_from_the_admin_and_cannot_edit_it(client, staff, monkeypatch):
    _refuse_to_send(monkeypatch)
    delivery = _queue_sensitive()
    monkeypatch.undo()
    client.force_login(staff)
    page = _admin_change_page(client, staff, delivery)
    assert "s3cr3t-t0ken-value" not in page and 'name="to"' not in page  # shown, not editable
    response = client.post(
        "/admin/accounts/delivery/",
        {"action": "retry_now", "_selected_action": [delivery.pk]},
        follow=True,
    )
    assert "Queued 1 deliveries" in response.content.decode()
    assert "s3cr3t-t0ken-value" in mail.outbox[0].body
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT and delivery.sealed_body == ""


def test_a_sent_mail_keeps_its_words_but_not_the_guests_data_key(client, staff, make_subscriber):
    """Ordinary mails carry the unsubscribe key, which also opens and deletes the guest's data:
    once sent, the stored copy names it instead (the mail itself had the working link)."""
    guest = make_subscriber(name="Sample Guest")
    key = guest.unsubscribe_key = "k" * 43
    guest.save(update_fields=["unsubscribe_key"])
    kindred_mail.send_template(
        "reply_notification",
        to=guest.email,
        context={
            "name": guest.name,
            "items": [],
            "article": None,
            "unsubscribe_url": subscriptions.unsubscribe_url(guest),
            "replies_off_url": "http://127.0.0.1:8000/comments/replies-off/tok.en-value/",
        },
        key="reply:test",
        headers=subscriptions.list_unsubscribe_headers(guest),
    )
    sent = mail.outbox[-1]
    assert key in sent.body and key in sent.extra_headers["List-Unsubscribe"]

    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.SENT and delivery.text_body
    _assert_nowhere(
        [key, "tok.en-value"], _stored_text(), _admin_change_page(client, staff, delivery)
    )
    assert "/unsubscribe/[key]/" in delivery.text_body
