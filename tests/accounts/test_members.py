"""Members: sign up, verify, log in and out, reset a password, without revealing who is a member."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.utils import timezone

from accounts.models import Subscriber, User

pytestmark = pytest.mark.django_db

SIGNUP = {
    "email": "new@example.org",
    "display_name": "Sample Newcomer",
    "password1": "correct-horse-battery",
    "password2": "correct-horse-battery",
    "agrees_to_terms": "on",
}


def _link(message, pattern):
    return re.search(pattern, message.body).group(0)


def test_sign_up_verify_and_log_in(client):
    response = client.post("/accounts/signup/", SIGNUP)
    assert response.status_code == 302
    user = User.objects.get(email="new@example.org")
    assert user.display_name == "Sample Newcomer"
    assert len(mail.outbox) == 1

    # Not verified yet: logging in is refused with a pointer to the mail.
    client.post("/accounts/logout/")
    response = client.post(
        "/accounts/login/", {"login": "new@example.org", "password": "correct-horse-battery"}
    )
    assert "_auth_user_id" not in client.session

    confirm_path = _link(mail.outbox[0], r"/accounts/confirm-email/[^/\s]+/")
    assert client.get(confirm_path).status_code == 200  # GET only shows a button
    assert not EmailAddress.objects.get(email="new@example.org").verified
    client.post(confirm_path)
    assert EmailAddress.objects.get(email="new@example.org").verified

    response = client.post(
        "/accounts/login/",
        {"login": "NEW@example.org", "password": "correct-horse-battery"},
        follow=True,
    )
    assert "Signed in as" in response.content.decode()
    assert "Sample Newcomer" in response.content.decode()


def test_logout_needs_a_post(client, member):
    client.force_login(member)
    client.get("/accounts/logout/")
    assert "_auth_user_id" in client.session
    client.post("/accounts/logout/")
    assert "_auth_user_id" not in client.session


def test_signup_errors_are_shown_beside_the_field(client):
    response = client.post("/accounts/signup/", {**SIGNUP, "display_name": "", "password2": "x"})
    page = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'id="error_1_id_display_name"[^>]*>\s*<strong>This field is required', page)
    assert "is-invalid" in page
    assert User.objects.count() == 0


def test_signup_asks_for_consent_to_the_guidelines_and_privacy_notice(client):
    page = client.get("/accounts/signup/").content.decode()
    box = re.search(r'<input type="checkbox" name="agrees_to_terms"[^>]*>', page).group(0)
    assert "required" in box and "checked" not in box
    assert page.index('name="password2"') < page.index(box)  # the last thing before the button
    assert 'href="/guidelines/">community guidelines</a>' in page
    assert 'href="/privacy/">privacy notice</a>' in page
    assert "newsletter" not in page.lower()  # nothing else is agreed to with it


def test_signup_without_consent_is_refused_with_a_clear_error(client):
    unticked = {k: v for k, v in SIGNUP.items() if k != "agrees_to_terms"}
    response = client.post("/accounts/signup/", unticked)
    assert response.status_code == 200
    assert "please agree to the community guidelines and the privacy notice" in (
        response.content.decode()
    )
    assert not User.objects.exists() and not mail.outbox


def test_signup_records_when_the_member_agreed(client):
    before = timezone.now()
    client.post("/accounts/signup/", SIGNUP)
    agreed_at = User.objects.get(email="new@example.org").agreed_to_terms_at
    assert agreed_at is not None and before <= agreed_at <= timezone.now()


def test_display_name_with_control_characters_is_refused(client):
    response = client.post("/accounts/signup/", {**SIGNUP, "display_name": "Evil\u202eName"})
    assert "can only contain letters" in response.content.decode()
    assert User.objects.count() == 0


def test_email_is_unique_whatever_its_case(client, member):
    client.post("/accounts/signup/", {**SIGNUP, "email": "MEMBER@example.org"})
    assert User.objects.filter(email__iexact="member@example.org").count() == 1


def test_signing_up_with_a_taken_address_reveals_nothing(client, member):
    taken = client.post("/accounts/signup/", {**SIGNUP, "email": "member@example.org"})
    fresh = type(client)().post("/accounts/signup/", SIGNUP)
    assert taken.status_code == fresh.status_code == 302
    assert taken["Location"] == fresh["Location"]


def test_password_reset_reveals_nothing_and_works(client, member):
    unknown = client.post("/accounts/password/reset/", {"email": "nobody@example.org"})
    known = client.post("/accounts/password/reset/", {"email": "member@example.org"})
    assert unknown.status_code == known.status_code == 302
    assert unknown["Location"] == known["Location"]
    reset_mail = [m for m in mail.outbox if m.to == ["member@example.org"]][-1]
    reset_path = _link(reset_mail, r"/accounts/password/reset/key/[^\s]+/")
    form_page = client.get(reset_path, follow=True)
    client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else reset_path,
        {"password1": "a-brand-new-password", "password2": "a-brand-new-password"},
    )
    member.refresh_from_db()
    assert member.check_password("a-brand-new-password")


def test_confirming_a_member_address_links_the_existing_subscription(client):
    client.post("/subscribe/", {"name": "Sample Reader", "email": "new@example.org"})
    client.post("/accounts/signup/", SIGNUP)
    signup_mail = [m for m in mail.outbox if "confirm-email" in m.body][-1]
    client.post(_link(signup_mail, r"/accounts/confirm-email/[^/\s]+/"))
    assert Subscriber.objects.get().user == User.objects.get(email="new@example.org")


def test_auth_pages_use_the_site_look(client):
    for path in ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]:
        page = client.get(path).content.decode()
        assert 'class="site-header"' in page, path
        assert 'class="btn btn-primary"' in page, path


def test_email_change_takes_effect_after_verifying_the_new_address(client, member):
    EmailAddress.objects.create(user=member, email=member.email, verified=True, primary=True)
    client.force_login(member)
    client.post("/accounts/email/", {"action_add": "", "email": "moved@example.org"})
    member.refresh_from_db()
    assert member.email == "member@example.org"  # not until the new address is proven
    confirm = [m for m in mail.outbox if m.to == ["moved@example.org"]][-1]
    client.post(_link(confirm, r"/accounts/confirm-email/[^/\s]+/"))
    member.refresh_from_db()
    assert member.email == "moved@example.org"


def test_password_change(client, member):
    client.force_login(member)
    client.post(
        "/accounts/password/change/",
        {
            "oldpassword": "a-long-test-password",
            "password1": "another-long-password",
            "password2": "another-long-password",
        },
    )
    member.refresh_from_db()
    assert member.check_password("another-long-password")


def test_every_account_mail_is_sent_even_when_it_repeats(client, member):
    client.post("/accounts/password/reset/", {"email": "member@example.org"})
    client.post("/accounts/password/reset/", {"email": "member@example.org"})
    assert len([m for m in mail.outbox if m.to == ["member@example.org"]]) == 2
