"""The Host header decides nothing: not the failed-login lockout, not the links in mails (which
are marked sensitive, so accounts/mail.py never keeps them readable)."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

pytestmark = pytest.mark.django_db

SIGNUP = {
    "email": "new@example.org",
    "display_name": "Sample Newcomer",
    "password1": "correct-horse-battery",
    "password2": "correct-horse-battery",
    "agrees_to_terms": "on",
}


@pytest.fixture
def verified_member(member):
    EmailAddress.objects.create(user=member, email=member.email, verified=True, primary=True)
    return member


def test_wrong_passwords_lock_the_account_whatever_the_port(client, verified_member):
    for n in range(10):
        client.post(
            "/accounts/login/",
            {"login": verified_member.email, "password": "wrong-password"},
            HTTP_HOST=f"localhost:{8000 + n}",
            REMOTE_ADDR=f"203.0.113.{n + 1}",
        )
    response = client.post(
        "/accounts/login/",
        {"login": verified_member.email, "password": "a-long-test-password"},
        HTTP_HOST="localhost:9999",
        REMOTE_ADDR="198.51.100.7",
    )
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.fixture
def evil_host(settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "evil.example"]
    return {"HTTP_HOST": "evil.example:8000"}


def _only_site_links(message, settings):
    body = message.body + "".join(content for content, _ in message.alternatives)
    assert "evil.example" not in body
    return settings.SITE_URL in body


def test_reset_link_is_on_the_site_whatever_the_host(client, member, evil_host, settings):
    client.post("/accounts/password/reset/", {"email": member.email}, **evil_host)
    (message,) = mail.outbox
    assert settings.SITE_URL + "/accounts/password/reset/key/" in message.body
    assert _only_site_links(message, settings)


def test_unknown_account_mail_links_to_the_site(client, evil_host, settings):
    client.post("/accounts/password/reset/", {"email": "nobody@example.org"}, **evil_host)
    (message,) = mail.outbox
    assert settings.SITE_URL + "/accounts/signup/" in message.body
    assert _only_site_links(message, settings)


def test_signup_confirmation_link_is_on_the_site(client, evil_host, settings):
    client.post("/accounts/signup/", SIGNUP, **evil_host)
    (message,) = mail.outbox
    assert settings.SITE_URL + "/accounts/confirm-email/" in message.body
    assert _only_site_links(message, settings)


def test_account_exists_mail_links_to_the_site(client, member, evil_host, settings):
    client.post("/accounts/signup/", {**SIGNUP, "email": member.email}, **evil_host)
    (message,) = mail.outbox
    assert settings.SITE_URL + "/accounts/password/reset/" in message.body
    assert _only_site_links(message, settings)


def test_address_change_confirmation_link_is_on_the_site(
    client, verified_member, evil_host, settings
):
    client.force_login(verified_member)
    client.post("/accounts/email/", {"action_add": "", "email": "moved@example.org"}, **evil_host)
    message = next(m for m in mail.outbox if m.to == ["moved@example.org"])
    assert settings.SITE_URL + "/accounts/confirm-email/" in message.body
    assert _only_site_links(message, settings)


def test_mails_with_a_reset_or_confirmation_link_are_marked_sensitive(client, member, settings):
    from accounts.models import Delivery

    client.post("/accounts/password/reset/", {"email": member.email})
    client.post("/accounts/signup/", SIGNUP)
    client.post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert {d.key.split(":")[1]: d.is_sensitive for d in Delivery.objects.all()} == {
        "password_reset_key": True,
        "email_confirmation_signup": True,
        "unknown_account": False,
    }
