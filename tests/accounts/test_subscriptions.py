"""A reader shares name + email, confirms by mail, reads the thank-you page, unsubscribes."""

import re
import time

import pytest
from django.core import mail, signing

from accounts.models import AddressClaim, Subscriber
from accounts.subscriptions import CONFIRM_SALT

pytestmark = pytest.mark.django_db


def _subscribe(client, name="Sample Reader", email="reader@example.org", **extra):
    return client.post("/subscribe/", {"name": name, "email": email, "source": "sidebar", **extra})


def _link(message, pattern):
    return re.search(pattern, message.body).group(0)


def _confirm_path(message):
    return _link(message, r"/subscribe/confirm/[^/\s]+/")


def _unsubscribe_path(message):
    return _link(message, r"/unsubscribe/[^/\s]+/")


def test_subscribe_confirm_thank_you_and_one_click_unsubscribe(client):
    response = _subscribe(client)
    assert response.status_code == 302 and response["Location"] == "/subscribe/sent/"
    assert "Check your inbox" in client.get("/subscribe/sent/").content.decode()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["reader@example.org"]
    assert "confirm" in message.subject.lower()
    assert message.alternatives and message.alternatives[0][1] == "text/html"
    subscriber = Subscriber.objects.get()
    assert subscriber.source == "sidebar" and not subscriber.is_confirmed

    # Mail scanners open links: GET only shows a button, the POST confirms.
    asked = client.get(_confirm_path(message))
    assert "Confirm my email address" in asked.content.decode()
    assert not Subscriber.objects.get().is_confirmed
    thanks = client.post(_confirm_path(message))
    assert thanks.status_code == 200
    page = thanks.content.decode()
    assert "Thank you for subscribing!" in page
    assert "Become a member to get even more" in page and "Sign up for free" in page
    subscriber.refresh_from_db()
    assert subscriber.is_subscribed

    # RFC 8058: the mail program POSTs "List-Unsubscribe=One-Click" without any cookie or token.
    mailer = type(client)(enforce_csrf_checks=True)
    response = mailer.post(_unsubscribe_path(message), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.unsubscribed_at is not None and not subscriber.is_subscribed


def test_every_subscriber_mail_carries_list_unsubscribe_headers(client):
    _subscribe(client)
    headers = mail.outbox[0].extra_headers
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(
        r"<http://127\.0\.0\.1:8000/unsubscribe/[^>]+/>", headers["List-Unsubscribe"]
    )


def test_unsubscribe_link_get_only_asks(client):
    _subscribe(client)
    path = _unsubscribe_path(mail.outbox[0])
    client.post(_confirm_path(mail.outbox[0]))
    page = client.get(path).content.decode()
    assert "Stop new-article emails?" in page and 'type="submit"' in page
    assert (
        Subscriber.objects.get().is_subscribed
    )  # a mail scanner following the link changes nothing
    client.post(path)
    assert "You are unsubscribed" in client.get(path).content.decode()


def test_one_row_per_address_case_insensitive(client):
    _subscribe(client, email="Reader@Example.org")
    _subscribe(client, email="reader@example.org")
    assert Subscriber.objects.count() == 1


def test_second_request_within_ten_minutes_sends_no_new_mail(client, settings):
    _subscribe(client)
    _subscribe(client)
    assert len(mail.outbox) == 1
    AddressClaim.objects.update(
        confirmation_sent_at=AddressClaim.objects.get().confirmation_sent_at.replace(year=2020)
    )
    _subscribe(client)
    assert len(mail.outbox) == 2


def test_stranger_cannot_tell_whether_an_address_is_subscribed(client):
    _subscribe(client)
    client.post(_confirm_path(mail.outbox[0]))
    stranger = type(client)()
    known = _subscribe(stranger, name="Someone Else")
    unknown = _subscribe(stranger, name="Someone Else", email="nobody@example.org")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert Subscriber.objects.get(email="reader@example.org").name == "Sample Reader"


def test_replayed_confirmation_link_changes_nothing(client):
    _subscribe(client)
    path = _confirm_path(mail.outbox[0])
    client.post(path)
    first = Subscriber.objects.get().confirmed_at
    again = client.post(path)
    assert "already confirmed" in again.content.decode()
    assert Subscriber.objects.get().confirmed_at == first


def test_tampered_confirmation_link_is_refused(client):
    _subscribe(client)
    path = _confirm_path(mail.outbox[0])
    tampered = path[:-3] + ("A" if path[-3] != "A" else "B") + path[-2:]
    response = client.post(tampered)
    assert response.status_code == 400
    assert "This confirmation link does not work" in response.content.decode()
    assert not Subscriber.objects.get().is_confirmed


def test_expired_confirmation_link_is_refused(client, settings, monkeypatch):
    settings.CONFIRMATION_MAX_AGE_SECONDS = 60
    _subscribe(client)
    path = _confirm_path(mail.outbox[0])
    real_time = time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() + 120)
    response = client.post(path)
    assert response.status_code == 400
    assert "has expired" in response.content.decode()
    assert not Subscriber.objects.get().is_confirmed


def test_confirmation_token_cannot_unsubscribe_and_vice_versa(client):
    _subscribe(client)
    confirm_token = _confirm_path(mail.outbox[0]).split("/")[-2]
    unsubscribe_key = _unsubscribe_path(mail.outbox[0]).split("/")[-2]
    assert client.post(f"/unsubscribe/{confirm_token}/").status_code == 404
    assert client.get(f"/subscribe/confirm/{unsubscribe_key}/").status_code == 400
    forged = signing.dumps({"s": Subscriber.objects.get().pk, "n": "guess"}, salt=CONFIRM_SALT)
    assert client.get(f"/subscribe/confirm/{forged}/").status_code == 400


@pytest.mark.parametrize(
    "name, email, message",
    [
        ("Sample Reader", "not-an-email", "Please enter a valid email address"),
        ("Sample Reader", "reader@example.org\r\nBcc: victim@example.org", "valid email address"),
        ("Sample\r\nBcc: victim@example.org", "reader@example.org", "can only contain letters"),
        ("x" * 10_000, "reader@example.org", "under 100 characters"),
        ("", "reader@example.org", "This field is required"),
    ],
)
def test_bad_input_gets_a_clear_message_and_changes_nothing(client, name, email, message):
    response = _subscribe(client, name=name, email=email)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Subscriber.objects.count() == 0
    assert mail.outbox == []


def test_typed_values_are_kept_after_an_error(client):
    page = _subscribe(client, name="Sample Reader", email="nope").content.decode()
    assert 'value="Sample Reader"' in page and 'value="nope"' in page


def test_subscribe_is_rate_limited_per_ip(client, settings):
    settings.SUBSCRIBE_RATE_LIMIT = (3, 3600)
    for n in range(3):
        assert _subscribe(client, email=f"r{n}@example.org").status_code == 302
    response = _subscribe(client, email="r9@example.org")
    assert response.status_code == 429
    assert "Too many sign-ups" in response.content.decode()
    assert not Subscriber.objects.filter(email="r9@example.org").exists()


def test_form_without_a_csrf_token_is_offered_again_with_one(client):
    strict = type(client)(enforce_csrf_checks=True)
    response = _subscribe(strict)
    assert response.status_code == 403
    page = response.content.decode()
    assert "Please send that again" in page
    assert 'name="email" value="reader@example.org"' in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert Subscriber.objects.count() == 0


def test_member_subscribing_own_address_is_linked_and_confirmed(client, member):
    client.force_login(member)
    response = client.post("/subscribe/", {"name": "Whatever", "email": "MEMBER@example.org"})
    assert "Thank you for subscribing!" in response.content.decode()
    subscriber = Subscriber.objects.get()
    assert subscriber.user == member and subscriber.is_subscribed
    assert mail.outbox == []


def test_guest_who_shared_name_and_email_gets_private_pages(client, article):
    _subscribe(client)
    response = client.get(article.get_absolute_url())
    assert "private" in response["Cache-Control"]


def test_never_mail_this_address_holds(client, settings):
    _subscribe(client)
    client.post(_unsubscribe_path(mail.outbox[0]))  # "never mail this address"
    Subscriber.objects.update(confirmation_sent_at=None)  # long after the 10-minute pause
    _subscribe(type(client)())
    assert len(mail.outbox) == 1
