"""One answer to "is this the same inbox?" (accounts.addresses.inbox_of), and forms that
refuse the spellings that would make one inbox many."""

import html

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client

from accounts.addresses import inbox_of
from accounts.models import Subscriber, User
from accounts.privacy import inbox_limit_key as inbox_key


@pytest.mark.parametrize(
    "spelling",
    [
        "target@example.org",
        "Target@Example.ORG",
        " target@example.org ",
        '"target"@example.org',
        '"tar\\get"@example.org',
        "target+news@example.org",
        '"target+x"@example.org',
    ],
)
def test_spellings_of_one_inbox_are_one_inbox(spelling):
    assert inbox_of(spelling) == "target@example.org"


def test_gmail_ignores_dots_and_googlemail_is_gmail():
    assert inbox_of("J.o.e+1@GoogleMail.com") == "joe@gmail.com"
    assert inbox_of('"j.o.e"@gmail.com') == "joe@gmail.com"


def test_dots_count_elsewhere():
    assert inbox_of("j.o.e@example.org") != inbox_of("joe@example.org")


def test_unicode_and_idna_domains_agree():
    assert inbox_of("ann@exämple.org") == inbox_of("ann@xn--exmple-cua.org")


def test_garbage_does_not_raise():
    assert inbox_of("") == ""
    assert inbox_of("no-at-sign") == "no-at-sign"


# --- Forms refuse quoted local parts: one inbox, one address ------------------------------------
QUOTED = ['"target"@example.org', '"tar\\get"@example.org', "tar\\get@example.org"]
REFUSED = "Please use your address without quotation marks or backslashes"
SIGNUP = {
    "password1": "a-long-test-password",
    "password2": "a-long-test-password",
    "agrees_to_terms": "on",
}


def _page(response):
    return html.unescape(response.content.decode())


@pytest.mark.django_db
@pytest.mark.parametrize("address", QUOTED)
def test_the_subscribe_and_guest_box_refuses_quoted_addresses(client, address):
    response = client.post("/subscribe/", {"name": "Sample Reader", "email": address})
    assert response.status_code == 400
    assert REFUSED in _page(response)
    assert "Sample Reader" in _page(response)  # what was typed stays in the form
    assert not Subscriber.objects.exists() and mail.outbox == []


@pytest.mark.django_db
@pytest.mark.parametrize("address", QUOTED[:2])
def test_sign_up_refuses_quoted_addresses(client, address):
    response = client.post(
        "/accounts/signup/", {**SIGNUP, "email": address, "display_name": "Sample Newcomer"}
    )
    assert REFUSED in _page(response)
    assert not User.objects.exists() and mail.outbox == []


@pytest.mark.django_db
@pytest.mark.parametrize("address", QUOTED[:2])
def test_password_reset_refuses_quoted_addresses(client, member, address):
    response = client.post("/accounts/password/reset/", {"email": address})
    assert REFUSED in _page(response)
    assert mail.outbox == []


@pytest.mark.django_db
def test_adding_a_quoted_address_to_an_account_is_refused(client, member):
    client.force_login(member)
    response = client.post("/accounts/email/", {"email": '"target"@example.org', "action_add": ""})
    assert REFUSED in _page(response)
    assert not EmailAddress.objects.filter(email__icontains="target").exists()


def test_quoted_spellings_share_one_reset_limit():
    plain = inbox_key("target@example.org")
    assert inbox_key('"target"@example.org') == plain
    assert inbox_key('"tar\\get"@example.org') == plain


@pytest.mark.django_db
def test_plus_tags_share_one_inbox_allowance_of_confirmation_mails(settings):
    settings.CONFIRMATION_MAIL_LIMIT = (5, 3600)
    for n in range(8):  # a row each, from networks of their own: only the inbox is shared
        Client(REMOTE_ADDR=f"203.0.113.{n + 1}").post(
            "/subscribe/", {"name": "Sample Reader", "email": f"target+{n}@example.org"}
        )
    assert Subscriber.objects.count() == 8
    assert len(mail.outbox) == 5
