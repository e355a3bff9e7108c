"""Staff accounts: the admin is reached through allauth's rate-limited log-in and a 2nd factor."""

import re

import pytest
from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core import mail

from tests.conftest import add_totp, totp_code
from tests.test_settings import _django_prints

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"  # noqa: S105 - the test users'


@pytest.fixture
def new_staff(django_user_model):
    """A staff member who has not set up a second factor yet (verified address, password)."""
    user = django_user_model.objects.create_user(
        email="newstaff@example.org", password=PASSWORD, display_name="New Editor", is_staff=True
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def _log_in(client, email, password=PASSWORD, path="/accounts/login/", **extra):
    return client.post(path, {"login": email, "password": password}, **extra)


def test_admin_login_page_sends_visitors_to_the_site_log_in(client):
    response = client.get("/admin/login/?next=/admin/comments/comment/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Fcomments%2Fcomment%2F"
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


def test_admin_login_form_never_checks_a_password(client, moderator):
    """The admin's form answered 30 wrong passwords with 200, then let the right one in."""
    for _ in range(6):
        client.post("/admin/login/", {"username": moderator.email, "password": "wrong"})
    response = client.post("/admin/login/", {"username": moderator.email, "password": PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


def test_a_signed_in_staff_member_cannot_log_in_as_someone_else_at_the_admin_form(
    client, staff, moderator
):
    client.force_login(moderator)
    client.post("/admin/login/", {"username": staff.email, "password": PASSWORD})
    assert client.session["_auth_user_id"] == str(moderator.pk)


def test_admin_login_does_not_redirect_off_site(client, moderator):
    client.force_login(moderator)
    response = client.get("/admin/login/?next=https://evil.example/")
    assert response["Location"] == "/admin/"


def test_wrong_passwords_lock_the_staff_account(client, moderator):
    for _ in range(5):
        _log_in(client, moderator.email, "wrong-password")
    response = _log_in(client, moderator.email)
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_staff_with_an_authenticator_must_give_a_code(client, moderator):
    response = _log_in(client, moderator.email)
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302

    page = client.get("/accounts/2fa/authenticate/").content.decode()
    assert 'class="site-header"' in page
    response = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert "Incorrect code" in response.content.decode()
    assert "_auth_user_id" not in client.session

    client.post("/accounts/2fa/authenticate/", {"code": totp_code(moderator.totp_secret)})
    assert client.session["_auth_user_id"] == str(moderator.pk)
    assert client.get("/admin/").status_code == 200


def test_the_code_page_says_a_recovery_code_works_in_the_same_field(client, moderator):
    """The page asked only for an authenticator code: a staff member who lost the phone did not
    know the recovery codes go in the same field. Cancel looked like a second "Sign In"."""
    _log_in(client, moderator.email)
    page = client.get("/accounts/2fa/authenticate/").content.decode()
    assert "Lost your phone? Type one of your recovery codes in the same field instead." in page
    buttons = dict(
        (label.strip(), classes)
        for classes, label in re.findall(r'<button[^>]*class="([^"]*)"[^>]*>([^<]*)</button>', page)
    )
    assert buttons["Sign In"] == "btn btn-primary"
    assert buttons["Cancel"] == "btn btn-outline-primary"  # the site's secondary button


def test_a_recovery_code_works_once(client, moderator):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    code = RecoveryCodes.activate(moderator).get_unused_codes()[0]
    _log_in(client, moderator.email)
    client.post("/accounts/2fa/authenticate/", {"code": code})
    assert client.get("/admin/").status_code == 200

    client.post("/accounts/logout/")
    _log_in(client, moderator.email)
    response = client.post("/accounts/2fa/authenticate/", {"code": code})
    assert "Incorrect code" in response.content.decode()
    assert "_auth_user_id" not in client.session


ADMIN_PATHS = [
    "/admin/",
    "/admin/comments/comment/",
    "/admin/login/",
    "/admin/password_change/",
    "/admin/accounts/user/",
    "/admin/jsi18n/",
]


@pytest.mark.parametrize("path", ADMIN_PATHS)
def test_staff_without_a_second_factor_reach_no_admin_page(client, new_staff, path):
    client.force_login(new_staff)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"


def test_new_staff_member_sets_up_an_authenticator_then_reaches_the_admin(
    client, new_staff, django_capture_on_commit_callbacks
):
    _log_in(client, new_staff.email)
    assert client.session["_auth_user_id"] == str(new_staff.pk)  # no factor yet to ask for

    response = client.get("/admin/", follow=True)
    page = response.content.decode()
    # The password typed a moment ago is not asked for again.
    assert [url for url, _ in response.redirect_chain] == ["/accounts/2fa/totp/activate/"]
    assert "Staff accounts need a second factor" in page
    assert 'class="site-header"' in page
    secret = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"', page).group(1)

    response = client.post("/accounts/2fa/totp/activate/", {"code": "123456"})
    assert "Incorrect code" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/2fa/totp/activate/", {"code": totp_code(secret)}, follow=True
        )
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == "/accounts/2fa/recovery-codes/"
    assert "Unused codes" in page
    assert 'href="/admin/"' in page  # the way on, once the codes are kept
    assert set(Authenticator.objects.filter(user=new_staff).values_list("type", flat=True)) == {
        "totp",
        "recovery_codes",
    }
    assert client.get("/admin/").status_code == 200
    assert [m.subject for m in mail.outbox if m.to == [new_staff.email]] == [
        "[Kindred] Authenticator App Activated"
    ]


def test_staff_go_from_the_sign_in_straight_to_the_authenticator_set_up(client, new_staff):
    """The first sign-in asked for the password twice in a row: allauth counts only its own
    re-authentication page as recent, not the log-in that happened a second before."""
    response = _log_in(client, new_staff.email, path="/accounts/login/?next=/admin/")
    response = client.get(response["Location"], follow=True)
    assert [url for url, _ in response.redirect_chain] == ["/accounts/2fa/totp/activate/"]
    assert 'id="authenticator_secret"' in response.content.decode()


def _age_the_sign_in(client, seconds):
    """The session as it is `seconds` after its authentications (a browser left open)."""
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {**record, "at": record["at"] - seconds}
        for record in session[AUTHENTICATION_METHODS_SESSION_KEY]
    ]
    session.save()


def test_a_stale_sign_in_confirms_the_password_before_an_authenticator_is_added(
    client, new_staff, settings
):
    _log_in(client, new_staff.email)
    _age_the_sign_in(client, settings.ACCOUNT_REAUTHENTICATION_TIMEOUT + 1)
    response = client.get("/accounts/2fa/totp/activate/")
    assert (
        response["Location"]
        == "/accounts/reauthenticate/?next=%2Faccounts%2F2fa%2Ftotp%2Factivate%2F"
    )

    client.post(response["Location"], {"password": PASSWORD})
    assert client.get("/accounts/2fa/totp/activate/").status_code == 200


def test_staff_with_an_authenticator_confirm_before_removing_it_even_just_signed_in(
    client, moderator
):
    """Only a sign-in that asked for no second factor stands for a confirmed password: taking
    a factor away still asks for it (or a code) again, as allauth does."""
    _log_in(client, moderator.email)
    client.post("/accounts/2fa/authenticate/", {"code": totp_code(moderator.totp_secret)})
    assert client.session["_auth_user_id"] == str(moderator.pk)
    response = client.get("/accounts/2fa/totp/deactivate/")
    assert response["Location"].startswith("/accounts/reauthenticate/")
    response = client.get("/accounts/2fa/recovery-codes/generate/")
    assert response["Location"].startswith("/accounts/reauthenticate/")


def test_the_admins_change_password_link_leads_to_the_sites_own_form(client, staff):
    """The admin's form changed a password with no rate limit, no "password changed" mail and
    none of allauth's rules: its address now sends staff to allauth's, and back after."""
    client.force_login(staff)
    response = client.get("/admin/password_change/")
    assert response["Location"] == "/accounts/password/change/?next=%2Fadmin%2F"
    assert client.get("/admin/password_change/done/")["Location"] == "/accounts/password/change/"

    # A POST in the admin form's shape changes nothing.
    client.post(
        "/admin/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "n3w-pass-phrase",
            "new_password2": "n3w-pass-phrase",
        },
    )
    staff.refresh_from_db()
    assert staff.check_password(PASSWORD)

    page = client.get(response["Location"]).content.decode()
    assert 'name="next" value="/admin/"' in page
    response = client.post(
        response["Location"],
        {
            "oldpassword": PASSWORD,
            "password1": "n3w-pass-phrase",
            "password2": "n3w-pass-phrase",
            "next": "/admin/",
        },
    )
    assert response["Location"] == "/admin/"
    staff.refresh_from_db()
    assert staff.check_password("n3w-pass-phrase")
    assert [m.subject for m in mail.outbox if m.to == [staff.email]] == [
        "[Kindred] Password Changed"
    ]


def test_the_admins_change_password_link_still_needs_a_second_factor_first(client, new_staff):
    client.force_login(new_staff)
    assert client.get("/admin/password_change/")["Location"] == "/accounts/2fa/totp/activate/"


def test_the_change_password_address_moves_with_the_admin():
    out, err = _django_prints(
        "from django.urls import resolve, reverse; "
        "print(reverse('admin:password_change'), "
        "resolve(reverse('admin:password_change')).func.__name__, "
        "resolve('/staff-room/password_change/done/').func.__name__)",
        DEBUG="1",
        ADMIN_URL="staff-room/",
    )
    assert out == (
        "/staff-room/password_change/ admin_password_change admin_password_change_done"
    ), err


def test_members_are_not_asked_for_a_second_factor(client, member):
    EmailAddress.objects.create(user=member, email=member.email, verified=True, primary=True)
    response = _log_in(client, member.email)
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_removing_the_authenticator_closes_the_admin_again(client, moderator):
    client.force_login(moderator)
    assert client.get("/admin/").status_code == 200
    Authenticator.objects.filter(user=moderator).delete()
    assert client.get("/admin/")["Location"] == "/accounts/2fa/totp/activate/"


def test_a_promoted_member_must_set_up_a_second_factor(client, member):
    client.force_login(member)
    member.is_staff = True
    member.save()
    assert client.get("/admin/")["Location"] == "/accounts/2fa/totp/activate/"
    add_totp(member)
    assert client.get("/admin/").status_code == 200


def test_guessing_authenticator_codes_locks_the_second_step(client, moderator):
    _log_in(client, moderator.email)
    for guess in range(5):
        client.post("/accounts/2fa/authenticate/", {"code": f"{guess:06d}"})
    response = client.post(
        "/accounts/2fa/authenticate/", {"code": totp_code(moderator.totp_secret)}
    )
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
