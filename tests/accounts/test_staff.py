"""Staff accounts: the admin is reached through allauth's rate-limited log-in and a 2nd factor."""

import json
import logging
import re
from urllib.parse import urlsplit

import pytest
from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client

from accounts import ratelimits
from accounts.models import Delivery
from articles.models import Article
from comments.models import Comment
from tests.comments.test_pictures import _image_bytes, _upload
from tests.config.test_settings import _django_prints
from tests.conftest import add_totp, totp_code

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


SET_UP = "/account/authenticator-setup/"
ACTIVATE = "/accounts/2fa/totp/activate/"


def _set_up_links(user):
    """The set-up links mailed to `user`, oldest first (paths on the site)."""
    return [
        urlsplit(link).path
        for message in mail.outbox
        if message.to == [user.email]
        for link in re.findall(r"https?://\S+/account/authenticator-setup/[^/\s]+/", message.body)
    ]


def _enrol(client, django_capture_on_commit_callbacks):
    """Set up an authenticator app on the activation page (giving the password again if
    allauth asks for it); returns its secret."""
    response = client.get(ACTIVATE)
    if response.status_code == 302:
        assert response["Location"].startswith("/accounts/reauthenticate/")
        client.post(response["Location"], {"password": PASSWORD})
        response = client.get(ACTIVATE)
    page = response.content.decode()
    secret = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"', page).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(ACTIVATE, {"code": totp_code(secret)})
    return secret


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
    assert response["Location"] == SET_UP


def test_new_staff_member_sets_up_an_authenticator_then_reaches_the_admin(
    client, new_staff, django_capture_on_commit_callbacks
):
    _log_in(client, new_staff.email)
    assert client.session["_auth_user_id"] == str(new_staff.pk)  # no factor yet to ask for

    response = client.get("/admin/", follow=True)
    page = response.content.decode()
    assert [url for url, _ in response.redirect_chain] == [SET_UP]
    assert "Staff accounts need a second factor" in page
    assert "We have emailed you a link to set up your authenticator" in page
    assert 'class="site-header"' in page
    [link] = _set_up_links(new_staff)

    response = client.get(link, follow=True)
    page = response.content.decode()
    # The password typed a moment ago is not asked for again.
    assert [url for url, _ in response.redirect_chain] == [ACTIVATE]
    assert 'class="site-header"' in page
    secret = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"', page).group(1)

    response = client.post(ACTIVATE, {"code": "123456"})
    assert "Incorrect code" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ACTIVATE, {"code": totp_code(secret)}, follow=True)
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
        "[Kindred] Set up your authenticator app",
        "[Kindred] Authenticator App Activated",
    ]


def test_staff_go_from_the_sign_in_to_the_mailed_link_without_typing_the_password_again(
    client, new_staff
):
    """The first sign-in asked for the password twice in a row: allauth counts only its own
    re-authentication page as recent, not the log-in that happened a second before."""
    response = _log_in(client, new_staff.email, path="/accounts/login/?next=/admin/")
    response = client.get(response["Location"], follow=True)
    assert [url for url, _ in response.redirect_chain] == [SET_UP]
    [link] = _set_up_links(new_staff)
    response = client.get(link, follow=True)
    assert [url for url, _ in response.redirect_chain] == [ACTIVATE]
    assert 'id="authenticator_secret"' in response.content.decode()


# --- The set-up needs the mailbox too --------------------------------------------------------
# An attack review: a staff member without an authenticator (new, or whose lost one a
# superuser removed) fell to the password alone. Signed in with it, the attacker was shown
# the set-up page and its secret, typed a code made from it, and the admin was theirs.


def test_a_stolen_password_alone_cannot_set_up_an_authenticator(client, new_staff):
    response = _log_in(client, new_staff.email, path="/accounts/login/?next=/admin/")
    response = client.get(response["Location"], follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == SET_UP
    assert "We have emailed you a link to set up your authenticator" in page
    assert new_staff.email in page
    assert 'id="authenticator_secret"' not in page

    assert client.get(ACTIVATE)["Location"] == SET_UP
    client.post(ACTIVATE, {"code": "123456"})
    assert not Authenticator.objects.filter(user=new_staff).exists()
    assert client.get("/admin/")["Location"] == SET_UP
    # The owner is told: the mail says what to do if it was not them.
    [message] = [m for m in mail.outbox if m.to == [new_staff.email]]
    assert "If it was not you" in message.body


def test_the_link_works_once_and_only_in_the_browser_that_asked_for_it(
    client, new_staff, django_capture_on_commit_callbacks
):
    _log_in(client, new_staff.email)
    client.get(SET_UP)
    [link] = _set_up_links(new_staff)

    # Not in another browser: neither signed out (a mail scanner), nor signed in with the
    # same password (the attacker, when the owner forwards or opens the link elsewhere).
    stranger = Client()
    response = stranger.get(link)
    assert response.status_code == 400
    assert "only in the browser where you asked for it" in response.content.decode()
    attacker = Client()
    _log_in(attacker, new_staff.email)
    assert attacker.get(link).status_code == 400
    assert attacker.get(ACTIVATE)["Location"] == SET_UP

    assert client.get(link)["Location"] == ACTIVATE  # those visits did not use it up
    assert client.get(ACTIVATE).status_code == 200
    assert client.get(link).status_code == 400  # once only

    _enrol(client, django_capture_on_commit_callbacks)
    assert client.get("/admin/").status_code == 200
    assert attacker.get("/admin/")["Location"].startswith("/accounts/2fa/reauthenticate/")


def test_a_set_up_link_expires_and_a_new_one_replaces_it(client, new_staff, settings):
    _log_in(client, new_staff.email)
    client.get(SET_UP)
    session = client.session
    pending = next(v for v in session.values() if isinstance(v, dict) and "expires" in v)
    assert pending["expires"] - pending["sent"] == settings.STAFF_ENROLMENT_LINK_MAX_AGE_SECONDS
    for value in session.values():  # a browser left open past the link's time
        if isinstance(value, dict) and "expires" in value:
            value["expires"] -= settings.STAFF_ENROLMENT_LINK_MAX_AGE_SECONDS + 1
    session.save()
    [old] = _set_up_links(new_staff)
    response = client.get(old)
    assert response.status_code == 400
    assert "Send me a new link" in response.content.decode()

    response = client.post(SET_UP, follow=True)
    assert "We have sent you a new link" in response.content.decode()
    first, second = _set_up_links(new_staff)
    assert client.get(first).status_code == 400
    assert client.get(second)["Location"] == ACTIVATE


def test_send_it_again_replaces_the_link_before(client, new_staff):
    _log_in(client, new_staff.email)
    page = client.get(SET_UP).content.decode()
    assert "Send it again" in page
    client.post(SET_UP)
    first, second = _set_up_links(new_staff)
    assert client.get(first).status_code == 400
    assert client.get(second)["Location"] == ACTIVATE


def test_the_set_up_link_is_never_stored_readable(client, new_staff):
    _log_in(client, new_staff.email)
    client.get(SET_UP)
    [link] = _set_up_links(new_staff)
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert len(token) >= 40
    for session in Session.objects.all():
        assert token not in session.session_data
        assert token not in json.dumps(session.get_decoded())
    delivery = Delivery.objects.get(to=new_staff.email, template="staff_enrolment")
    assert delivery.is_sensitive
    assert token not in json.dumps(
        [delivery.key, delivery.text_body, delivery.html_body, delivery.sealed_body]
    )


def test_the_set_up_link_stays_out_of_the_request_log(client, new_staff, settings, caplog):
    settings.REQUEST_LOG = True
    _log_in(client, new_staff.email)
    client.get(SET_UP)
    [link] = _set_up_links(new_staff)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="kindred.request"):
        client.get(link)
    [record] = [r for r in caplog.records if r.name == "kindred.request"]
    assert record.path == "/account/authenticator-setup/<token>/"


def test_set_up_mails_are_limited_per_account(client, new_staff, settings):
    settings.STAFF_ENROLMENT_MAIL_LIMIT = (2, 3600)
    _log_in(client, new_staff.email)
    client.get(SET_UP)
    client.post(SET_UP)
    response = client.post(SET_UP, follow=True)
    assert "We cannot send you a new link right now" in response.content.decode()
    assert len(_set_up_links(new_staff)) == 2
    # Another browser gets no more: the limit is the account's.
    other = Client()
    _log_in(other, new_staff.email)
    other.get(SET_UP)
    assert len(_set_up_links(new_staff)) == 2
    first, second = _set_up_links(new_staff)
    assert client.get(second)["Location"] == ACTIVATE


def test_no_set_up_mail_while_the_limit_store_is_down(client, new_staff, monkeypatch):
    def store_down(key, window_seconds):
        raise ratelimits.StoreUnavailable(key)

    _log_in(client, new_staff.email)
    monkeypatch.setattr(ratelimits, "_count", store_down)
    page = client.get(SET_UP).content.decode()
    assert "We cannot send you a new link right now" in page
    assert _set_up_links(new_staff) == []
    assert client.get(ACTIVATE)["Location"] == SET_UP


def test_an_authenticator_removed_by_a_superuser_needs_the_mailbox_again(client, moderator):
    """A superuser removes a lost authenticator in the admin; the password alone must not be
    enough to set up the next one."""
    Authenticator.objects.filter(user=moderator).delete()
    response = _log_in(client, moderator.email, path="/accounts/login/?next=/admin/")
    assert client.session["_auth_user_id"] == str(moderator.pk)  # no code left to ask
    response = client.get(response["Location"], follow=True)
    assert response.redirect_chain[-1][0] == SET_UP
    assert client.get(ACTIVATE)["Location"] == SET_UP
    assert len(_set_up_links(moderator)) == 1


def test_a_signed_in_staff_member_whose_authenticator_is_removed_needs_the_mailbox(
    client, moderator, django_capture_on_commit_callbacks
):
    client.force_login(moderator)
    assert client.get("/admin/").status_code == 200
    Authenticator.objects.filter(user=moderator).delete()
    assert client.get("/admin/")["Location"] == SET_UP
    assert client.get(ACTIVATE)["Location"] == SET_UP
    client.get(SET_UP)
    [link] = _set_up_links(moderator)
    client.get(link)
    _enrol(client, django_capture_on_commit_callbacks)
    assert client.get("/admin/").status_code == 200
    # The proof served once: the next lost authenticator needs a new mail.
    Authenticator.objects.filter(user=moderator).delete()
    assert client.get(ACTIVATE)["Location"] == SET_UP


def test_staff_without_a_second_factor_cannot_move_the_mailbox(client, new_staff):
    """Otherwise the attacker would add their own address, confirm it, and be mailed the link."""
    _log_in(client, new_staff.email)
    assert client.get("/accounts/email/")["Location"] == SET_UP
    client.post("/accounts/email/", {"action_add": "", "email": "attacker@example.net"})
    assert not EmailAddress.objects.filter(email="attacker@example.net").exists()
    assert mail.outbox == []


def test_a_member_may_change_their_address(client, member):
    EmailAddress.objects.create(user=member, email=member.email, verified=True, primary=True)
    _log_in(client, member.email)
    assert client.get("/accounts/email/").status_code == 200


# --- Staff powers need the second factor in this session -------------------------------------
# An attack review: signed in with a stolen password only, a staff member without an
# authenticator kept staff powers outside the admin (waiting posts' pictures, draft previews).


@pytest.fixture
def waiting_picture(django_user_model, article, post_comment):
    """A new member's first post, with a picture, waiting for review."""
    from comments.models import ModerationRules

    ModerationRules.objects.update_or_create(pk=1, defaults={"new_author_held_posts": 1})
    poster = Client()
    poster.force_login(
        django_user_model.objects.create_user(
            email="poster@example.org", password=PASSWORD, display_name="Poster"
        )
    )
    image = _upload(_image_bytes())
    post_comment(poster, article, body="Held", image=image, image_alt="A ramp")
    comment = Comment.objects.get(body="Held")
    assert comment.status == Comment.Status.PENDING
    return comment


@pytest.fixture
def draft(make_article):
    return make_article(status=Article.Status.DRAFT, published_at=None, title="Not yet out")


def test_a_password_alone_gives_no_staff_powers_outside_the_admin(
    client, new_staff, waiting_picture, draft, django_capture_on_commit_callbacks
):
    new_staff.is_superuser = True
    new_staff.save()
    _log_in(client, new_staff.email)
    assert client.get(waiting_picture.picture_url).status_code == 404
    assert client.get(waiting_picture.thumb_url).status_code == 404
    assert client.get(draft.get_absolute_url()).status_code == 404

    # Set up through the mailed link and a code in this session: the powers come with it.
    client.get(SET_UP)
    [link] = _set_up_links(new_staff)
    client.get(link)
    _enrol(client, django_capture_on_commit_callbacks)
    assert client.get(waiting_picture.picture_url).status_code == 200
    assert (
        "This draft is visible to staff only."
        in client.get(draft.get_absolute_url()).content.decode()
    )


def test_staff_who_gave_their_code_have_their_powers(client, staff, waiting_picture, draft):
    _log_in(client, staff.email)
    assert client.get(waiting_picture.picture_url).status_code == 404  # the code is not in yet
    client.post("/accounts/2fa/authenticate/", {"code": totp_code(staff.totp_secret)})
    assert client.get(waiting_picture.picture_url).status_code == 200
    assert client.get(draft.get_absolute_url()).status_code == 200
    assert client.get("/admin/").status_code == 200


def test_a_session_that_never_gave_a_code_has_no_staff_powers(
    client, member, waiting_picture, draft
):
    """A member signed in with a password, then set up an authenticator in another browser and
    was promoted: this session never gave a code, so the admin asks for one first."""
    EmailAddress.objects.create(user=member, email=member.email, verified=True, primary=True)
    _log_in(client, member.email)
    add_totp(member)
    member.is_staff = member.is_superuser = True
    member.save()
    assert client.get(waiting_picture.picture_url).status_code == 404
    assert client.get(draft.get_absolute_url()).status_code == 404
    response = client.get("/admin/")
    assert response["Location"] == "/accounts/2fa/reauthenticate/?next=%2Fadmin%2F"

    client.post(response["Location"], {"code": totp_code(member.totp_secret)})
    assert client.get("/admin/").status_code == 200
    assert client.get(waiting_picture.picture_url).status_code == 200


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
    client.get(SET_UP)
    [link] = _set_up_links(new_staff)
    client.get(link)
    _age_the_sign_in(client, settings.ACCOUNT_REAUTHENTICATION_TIMEOUT + 1)
    response = client.get(ACTIVATE)
    assert (
        response["Location"]
        == "/accounts/reauthenticate/?next=%2Faccounts%2F2fa%2Ftotp%2Factivate%2F"
    )

    client.post(response["Location"], {"password": PASSWORD})
    assert client.get(ACTIVATE).status_code == 200


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
    assert client.get("/admin/password_change/")["Location"] == SET_UP


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
    assert client.get("/admin/")["Location"] == SET_UP


def test_a_promoted_member_must_set_up_a_second_factor(client, member):
    EmailAddress.objects.create(user=member, email=member.email, verified=True, primary=True)
    _log_in(client, member.email)
    member.is_staff = True
    member.save()
    assert client.get("/admin/")["Location"] == SET_UP
    client.get(SET_UP)
    [link] = _set_up_links(member)
    assert client.get(link)["Location"] == ACTIVATE


def test_guessing_authenticator_codes_locks_the_second_step(client, moderator):
    _log_in(client, moderator.email)
    for guess in range(5):
        client.post("/accounts/2fa/authenticate/", {"code": f"{guess:06d}"})
    response = client.post(
        "/accounts/2fa/authenticate/", {"code": totp_code(moderator.totp_secret)}
    )
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


# --- A lost authenticator, removed by a superuser, gives its holder nothing --------------------


def _remove_in_the_admin(moderator, authenticator):
    from tests.conftest import add_totp

    superuser = add_totp(
        type(moderator).objects.create_superuser(email="su@example.org", password=PASSWORD)
    )
    admin = Client()
    admin.force_login(superuser)
    response = admin.post(f"/admin/mfa/authenticator/{authenticator.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302


def _owner_sets_up_again(moderator, django_capture_on_commit_callbacks):
    owner = Client()
    _log_in(owner, moderator.email)
    owner.get(SET_UP)
    [link] = _set_up_links(moderator)
    owner.get(link)
    _enrol(owner, django_capture_on_commit_callbacks)
    return owner


def test_the_recovery_codes_of_a_removed_authenticator_stop_working(
    moderator, django_capture_on_commit_callbacks
):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    stolen = RecoveryCodes.activate(moderator).get_unused_codes()  # the file on a lost laptop
    _remove_in_the_admin(moderator, Authenticator.objects.get(user=moderator, type="totp"))
    _owner_sets_up_again(moderator, django_capture_on_commit_callbacks)

    thief = Client()
    _log_in(thief, moderator.email)
    thief.post("/accounts/2fa/authenticate/", {"code": stolen[0]})
    assert thief.get("/admin/").status_code == 302


def test_a_session_that_gave_a_removed_authenticators_code_stays_without_powers(
    moderator, django_capture_on_commit_callbacks
):
    thief = Client()  # a stolen laptop, signed in with the code of the lost phone
    _log_in(thief, moderator.email)
    thief.post("/accounts/2fa/authenticate/", {"code": totp_code(moderator.totp_secret)})
    assert thief.get("/admin/").status_code == 200
    _remove_in_the_admin(moderator, Authenticator.objects.get(user=moderator, type="totp"))
    assert thief.get("/admin/").status_code == 302

    owner = _owner_sets_up_again(moderator, django_capture_on_commit_callbacks)

    assert owner.get("/admin/").status_code == 200
    assert thief.get("/admin/").status_code == 302  # it never gave the new one's code


def test_an_opened_link_left_unused_too_long_proves_nothing(client, new_staff, settings):
    _log_in(client, new_staff.email)
    client.get(SET_UP)
    [link] = _set_up_links(new_staff)
    assert client.get(link)["Location"] == ACTIVATE
    session = client.session
    for value in session.values():  # the browser was left for days on the set-up page
        if isinstance(value, list) and len(value) == 2 and isinstance(value[1], float):
            value[1] -= settings.STAFF_ENROLMENT_LINK_MAX_AGE_SECONDS + 1
    session.save()
    response = client.get(ACTIVATE)
    assert response.status_code == 302 and response["Location"] != ACTIVATE
    assert not Authenticator.objects.filter(user=new_staff).exists()
