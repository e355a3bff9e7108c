"""The one place that sends mail: a delivery row first, at most one send, retries on failure."""

import datetime
import smtplib
import threading

import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from accounts import mail as kindred_mail
from accounts.models import Delivery

pytestmark = pytest.mark.django_db


def _queue(key="welcome:1"):
    return kindred_mail.queue_message(
        key=key, to="reader@example.org", subject="Hello", text="Plain words, see https://x.example"
    )


def test_message_is_recorded_then_sent_with_text_and_html():
    delivery = _queue()
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT and delivery.sent_at is not None
    assert len(mail.outbox) == 1
    html = mail.outbox[0].alternatives[0][0]
    assert "Plain words" in html and 'href="https://x.example"' in html
    assert "Kindred" in html


def test_same_key_never_mails_twice():
    first = _queue()
    second = _queue()
    kindred_mail.deliver(first.pk)  # the task running a second time
    assert first.pk == second.pk
    assert len(mail.outbox) == 1
    assert Delivery.objects.count() == 1


def test_failed_send_is_kept_and_retried_with_backoff(monkeypatch):
    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("server went away")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    delivery = _queue()
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.attempts == 1
    assert "server went away" in delivery.last_error
    assert delivery.next_attempt_at > timezone.now() + datetime.timedelta(seconds=30)

    monkeypatch.undo()
    call_command("retry_mail")  # nothing due yet
    assert mail.outbox == []
    Delivery.objects.update(next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))
    call_command("retry_mail")
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT and delivery.attempts == 2
    assert len(mail.outbox) == 1


def test_backoff_grows_with_each_failure(monkeypatch):
    monkeypatch.setattr(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        lambda self, messages: (_ for _ in ()).throw(OSError("down")),
    )
    delivery = _queue()
    pauses = []
    for _ in range(3):
        delivery.refresh_from_db()
        pauses.append((delivery.next_attempt_at - timezone.now()).total_seconds())
        kindred_mail.deliver(delivery.pk)
    assert pauses[0] < pauses[1] < pauses[2]


# The worker closes database connections between tasks, so this test needs real commits.
@pytest.mark.django_db(transaction=True)
def test_database_backend_sends_only_when_the_worker_runs(settings, client):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    client.post("/subscribe/", {"name": "Sample Reader", "email": "reader@example.org"})
    assert mail.outbox == []
    # The subscribe request only queues the decision; the worker writes the mail, then sends it.
    assert not Delivery.objects.exists()
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert len(mail.outbox) == 1
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert len(mail.outbox) == 1
    assert Delivery.objects.get().status == Delivery.Status.SENT


def test_pending_mail_whose_task_was_lost_is_sent_by_retry_mail():
    delivery = Delivery.objects.create(key="lost", to="r@example.org", subject="Hi", text_body="t")
    Delivery.objects.filter(pk=delivery.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=20)
    )
    call_command("retry_mail")
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert len(mail.outbox) == 1


ON_POSTGRESQL = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="runs in the PostgreSQL pass of .ci/run"
)


def _pending(minutes_old):
    delivery = Delivery.objects.create(key="cut", to="r@example.org", subject="Hi", text_body="t")
    Delivery.objects.filter(pk=delivery.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=minutes_old)
    )
    return delivery


@ON_POSTGRESQL
def test_a_mail_whose_worker_was_killed_mid_send_goes_out_after_a_minute_not_fifteen():
    delivery = _pending(minutes_old=2)  # its worker died: its row lock went with it
    call_command("retry_mail")
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert len(mail.outbox) == 1


class HeldBackend(locmem.EmailBackend):
    """Sends only when the test lets it: a worker caught in the middle of a send."""

    sending, may_finish = threading.Event(), threading.Event()

    def send_messages(self, messages):
        HeldBackend.sending.set()
        assert HeldBackend.may_finish.wait(timeout=10)
        return super().send_messages(messages)


@ON_POSTGRESQL
@pytest.mark.django_db(transaction=True)
def test_a_mail_being_sent_is_left_to_its_worker_and_goes_once(settings):
    settings.EMAIL_BACKEND = "tests.accounts.test_mail.HeldBackend"
    HeldBackend.sending.clear()
    HeldBackend.may_finish.clear()
    delivery = _pending(minutes_old=2)
    errors = []

    def worker():
        try:
            kindred_mail.deliver(delivery.pk)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    first = threading.Thread(target=worker)
    first.start()
    assert HeldBackend.sending.wait(timeout=10)
    assert kindred_mail.retry_due() == 0  # held by the worker sending it: not queued again
    second = threading.Thread(target=worker)  # a second worker running the same task
    second.start()
    HeldBackend.may_finish.set()
    first.join()
    second.join()
    assert errors == []
    assert len(mail.outbox) == 1
    assert Delivery.objects.get(pk=delivery.pk).status == Delivery.Status.SENT


GUEST_NAME = "Tom & Jerry <b>"


def test_subjects_and_text_parts_are_not_html_escaped_but_html_parts_are(article):
    reply = {"author_name": GUEST_NAME, "body": "Fish & chips <3"}
    kindred_mail.send_template(
        "reply_notification",
        to="reader@example.org",
        context={
            "name": GUEST_NAME,
            "replies": [reply],
            "article": article,
            "thread_url": "https://kindred.example/articles/x/#c1",
            "replies_off_url": "https://kindred.example/off/",
        },
        key="reply:escaping",
    )
    (message,) = mail.outbox
    assert message.subject == f"{GUEST_NAME} replied to you on Kindred"
    assert f"Hello {GUEST_NAME}," in message.body
    assert "Fish & chips <3" in message.body
    assert "&amp;" not in message.subject + message.body
    html = message.alternatives[0][0]
    assert "Tom &amp; Jerry &lt;b&gt;" in html and "Jerry <b>" not in html
    assert "Fish &amp; chips &lt;3" in html


def test_a_guest_named_with_html_characters_gets_a_plain_confirmation(client):
    client.post("/subscribe/", {"name": GUEST_NAME, "email": "tom@example.org"})
    (message,) = mail.outbox
    assert f"Hello {GUEST_NAME}," in message.body
    assert "&amp;" not in message.subject + message.body
    html = message.alternatives[0][0]
    assert "Hello Tom &amp; Jerry &lt;b&gt;," in html


def test_a_plain_message_keeps_its_characters_in_the_subject():
    kindred_mail.queue_message(
        key="plain:escaping", to="reader@example.org", subject="Q & A", text="a < b & c"
    )
    (message,) = mail.outbox
    assert message.subject == "Q & A" and message.body.startswith("a < b & c\n")  # then the footer
    assert "a &lt; b &amp; c" in message.alternatives[0][0]


SITE_PAGES = {
    "Contact": "/contact/",
    "Privacy notice": "/privacy/",
    "Community guidelines": "/guidelines/",
    "Terms of use": "/terms/",
}


def _assert_links_to_the_site_pages(message, site_url):
    html = message.alternatives[0][0]
    for label, path in SITE_PAGES.items():
        assert f"{label}: {site_url}{path}" in message.body
        assert f'<a href="{site_url}{path}" style="color:#0b5f73;">{label}</a>' in html


def test_subscribe_confirmation_links_to_the_site_pages_in_text_and_html(client, settings):
    client.post("/subscribe/", {"name": "Sample Reader", "email": "reader@example.org"})
    (message,) = mail.outbox
    _assert_links_to_the_site_pages(message, settings.SITE_URL)
    assert message.body.index("Download or delete your data") < message.body.index("Contact:")


def test_allauth_mails_link_to_the_site_pages_too(client, settings):
    client.post(
        "/accounts/signup/",
        {
            "email": "new@example.org",
            "display_name": "Sample Newcomer",
            "password1": "correct-horse-battery",
            "password2": "correct-horse-battery",
            "agrees_to_terms": "on",
        },
    )
    (message,) = mail.outbox
    assert "confirm-email" in message.body
    _assert_links_to_the_site_pages(message, settings.SITE_URL)
