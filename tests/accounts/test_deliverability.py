"""Mail that stays deliverable: providers through django-anymail (EMAIL_URL), their tracking
webhooks behind a secret, a hard bounce or a complaint suppressing an address at once for
every mail but what the person asks for (a password reset), temporary bounces after N in a
row, staff lifting a suppression, a member told that mail to them bounces, and List-Unsubscribe
on every mail that is not transactional."""

import base64
import datetime
import json

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts import bounces, deliverability
from accounts.mail import queue_message
from accounts.models import Delivery, MailSuppression
from config.env import env_email

pytestmark = pytest.mark.django_db

SECRET = "hooks:sample-secret"


@pytest.fixture
def postmark(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET, "POSTMARK_SERVER_TOKEN": "sample-token"}


def _hook(event, secret=SECRET):
    auth = base64.b64encode(secret.encode()).decode()
    return Client().post(
        "/anymail/postmark/tracking/",
        json.dumps(event),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Basic {auth}",
    )


def _bounce(email, kind="HardBounce"):
    return {
        "RecordType": "Bounce",
        "Type": kind,
        "Email": email,
        "MessageID": "00000000-0000-0000-0000-000000000000",
        "Description": "The server was unable to deliver your message (sample).",
        "BouncedAt": "2026-12-01T10:00:00Z",
    }


def _send(to, template="newsletter"):
    queue_message(
        key=f"sample:{template}:{to}", to=to, subject="Sample", text="Hi", template=template
    )
    return Delivery.objects.get(key=f"sample:{template}:{to}")


@pytest.mark.parametrize(
    ("url", "backend", "key"),
    [
        (
            "mailgun://KEY@mg.example.org",
            "anymail.backends.mailgun.EmailBackend",
            "MAILGUN_API_KEY",
        ),
        ("postmark://KEY@", "anymail.backends.postmark.EmailBackend", "POSTMARK_SERVER_TOKEN"),
        ("sendgrid://KEY@", "anymail.backends.sendgrid.EmailBackend", "SENDGRID_API_KEY"),
        ("brevo://KEY@", "anymail.backends.brevo.EmailBackend", "BREVO_API_KEY"),
    ],
)
def test_email_url_names_a_provider(monkeypatch, url, backend, key):
    monkeypatch.setenv("EMAIL_URL", url)
    config = env_email("EMAIL_URL", "console://", webhook_secret=SECRET)
    assert config["EMAIL_BACKEND"] == backend
    assert config["ANYMAIL"][key] == "KEY" and config["ANYMAIL"]["WEBHOOK_SECRET"] == SECRET


def test_a_provider_without_its_webhook_secret_stops_start_up(monkeypatch):
    monkeypatch.setenv("EMAIL_URL", "postmark://KEY@")
    with pytest.raises(SystemExit, match="ANYMAIL_WEBHOOK_SECRET"):
        env_email("EMAIL_URL", "console://")


def test_plain_smtp_is_kept(monkeypatch):
    monkeypatch.setenv("EMAIL_URL", "smtp+tls://user:pass@mail.example.org:587")
    config = env_email("EMAIL_URL", "console://")
    assert config["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    monkeypatch.setenv("EMAIL_URL", "mailgun://KEY@mg.example.org?region=eu")
    config = env_email("EMAIL_URL", "console://", webhook_secret=SECRET)
    assert config["ANYMAIL"]["MAILGUN_API_URL"] == "https://api.eu.mailgun.net/v3"


def test_a_hard_bounce_suppresses_every_mail_but_a_password_reset(postmark):
    assert _hook(_bounce("Gone@Example.org")).status_code == 200
    row = MailSuppression.objects.get()
    assert row.email == "gone@example.org" and row.reason == "bounced" and row.is_active
    newsletter = _send("gone@example.org", "newsletter")
    assert Delivery.objects.get(pk=newsletter.pk).status == Delivery.Status.SUPPRESSED
    reply = _send("gone@example.org", "reply_notification")
    assert Delivery.objects.get(pk=reply.pk).status == Delivery.Status.SUPPRESSED
    reset = _send("gone@example.org", "allauth:password_reset_key")
    assert Delivery.objects.get(pk=reset.pk).status == Delivery.Status.SENT
    assert [m.subject for m in mail.outbox] == ["Sample"]  # the reset only


def test_the_webhook_refuses_a_caller_without_the_secret(postmark):
    response = _hook(_bounce("victim@example.org"), secret="hooks:wrong")
    assert response.status_code in (400, 401, 403)
    assert not MailSuppression.objects.exists()


def test_temporary_bounces_suppress_after_three_in_a_row(postmark, settings):
    settings.MAIL_SOFT_BOUNCE_LIMIT = 3
    for _ in range(2):
        _hook(_bounce("full@example.org", kind="Transient"))
    assert not deliverability.suppression_of("full@example.org")
    bounces.record("delivered", "full@example.org")  # one got through: the count starts again
    for _ in range(2):
        _hook(_bounce("full@example.org", kind="Transient"))
    assert not deliverability.suppression_of("full@example.org")
    _hook(_bounce("full@example.org", kind="Transient"))
    assert deliverability.suppression_of("full@example.org").reason == "soft"


def test_a_delivered_mail_leaves_no_row_behind(postmark):
    bounces.record("delivered", "fine@example.org")
    bounces.record("opened", "fine@example.org")
    assert not MailSuppression.objects.exists()


def test_a_complaint_suppresses_and_ends_new_article_mail(postmark, make_subscriber):
    subscriber = make_subscriber(email="angry@example.org")
    assert subscriber.is_subscribed
    _hook({**_bounce("angry@example.org", kind="SpamComplaint"), "RecordType": "SpamComplaint"})
    subscriber.refresh_from_db()
    assert not subscriber.is_subscribed
    assert deliverability.suppression_of("angry@example.org").reason == "complained"


def test_staff_lift_a_suppression(postmark, staff):
    bounces.record("bounced", "back@example.org", "sample")
    desk = Client()
    desk.force_login(staff)
    page = desk.get("/admin/accounts/mailsuppression/?in_force=yes").content.decode()
    assert "back@example.org" in page
    row = MailSuppression.objects.get()
    desk.post("/admin/accounts/mailsuppression/", {"action": "lift", "_selected_action": [row.pk]})
    row.refresh_from_db()
    assert not row.is_active and row.lifted_by == staff
    sent = _send("back@example.org")
    assert Delivery.objects.get(pk=sent.pk).status == Delivery.Status.SENT  # mail flows again


def test_a_member_sees_that_mail_to_them_bounces(client, member):
    client.force_login(member)
    assert "is not getting through" not in client.get("/account/").content.decode()
    bounces.record("bounced", member.email, "sample")
    page = client.get("/account/").content.decode()
    assert "Mail to your address is not getting through." in page
    assert member.email in page


def test_reply_mails_carry_a_one_click_unsubscribe(article, member, make_comment, make_subscriber):
    from comments import notifications

    parent = make_comment(article, member, body="A question")
    reply = make_comment(article, make_subscriber(), parent=parent, root=parent, depth=1)
    notifications.comment_published(reply)
    notifications.send_all_due()
    [message] = [m for m in mail.outbox if m.to == [member.email]]
    header = message.extra_headers["List-Unsubscribe"]
    assert header.startswith("<http") and "/comments/replies-off/" in header
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = header.strip("<>").split("://", 1)[1].split("/", 1)[1]
    # A mail program's one-click POST carries no CSRF token.
    response = Client(enforce_csrf_checks=True).post(f"/{path}", {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    member.refresh_from_db()
    assert member.notify_replies is False


def test_the_moderators_digest_carries_a_one_click_unsubscribe(article, make_comment, moderator):
    from comments.notifications import tell_moderators

    make_comment(article, body="Waiting post", status="pending")
    assert tell_moderators() is True
    [digest] = [m for m in mail.outbox if m.to == [moderator.email]]
    header = digest.extra_headers["List-Unsubscribe"]
    assert "/comments/digest-off/" in header
    path = "/" + header.strip("<>").split("://", 1)[1].split("/", 1)[1]
    response = Client(enforce_csrf_checks=True).post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    moderator.refresh_from_db()
    assert moderator.moderator_digest is False
    mail.outbox.clear()
    make_comment(article, body="Another waiting post", status="pending")
    tell_moderators(now=timezone.now() + datetime.timedelta(minutes=31))
    assert not [m for m in mail.outbox if m.to == [moderator.email]]  # the digest is off
    desk = Client()
    desk.force_login(moderator)
    page = desk.get("/account/").content.decode()
    assert 'name="moderator_digest"' in page  # they can turn it on again there


def test_the_newsletter_skips_a_suppressed_address(make_subscriber):
    from articles.newsletter import subscribed

    make_subscriber(email="Reader@Example.org")
    make_subscriber(email="fine@example.org")
    bounces.record("bounced", "reader@example.org", "sample")
    assert list(subscribed().values_list("email", flat=True)) == ["fine@example.org"]


@pytest.mark.parametrize(
    "template",
    ["allauth:email_confirmation_signup", "allauth:login_code", "staff_enrolment"],
)
def test_what_the_person_asked_for_still_goes_to_a_suppressed_address(template):
    bounces.record("bounced", "asked@example.org", "sample")
    assert Delivery.objects.get(pk=_send("asked@example.org", template).pk).status == "sent"
