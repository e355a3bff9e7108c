"""A ban holds for the person behind an inbox: as a member or a guest, under any spelling of the
address (case, +tag, Gmail dots), and after the account is deleted."""

import pytest
from allauth.account.models import EmailAddress

from comments import moderator_actions
from comments.models import Ban, Comment

pytestmark = pytest.mark.django_db

REFUSED = "You can no longer post comments on this site."


@pytest.fixture
def bob(django_user_model):
    user = django_user_model.objects.create_user(
        email="bob@example.org", password="a-long-test-password", display_name="Sample Bob"
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def _member(django_user_model, email, name="Fresh Start"):
    user = django_user_model.objects.create_user(
        email=email, password="a-long-test-password", display_name=name
    )
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def _as_member(client, user):
    browser = type(client)()
    browser.force_login(user)
    return browser


def _as_guest(client, make_subscriber, guest_login, email):
    browser = type(client)()
    guest_login(browser, make_subscriber(email=email))
    return browser


def _is_refused(browser, article, post_comment, body):
    response = post_comment(browser, article, body=body)
    refused = response.status_code == 403 and REFUSED in response.content.decode()
    assert refused == (not Comment.objects.filter(body=body).exists())
    return refused


def _ban_member(user, article, make_comment, moderator):
    return moderator_actions.ban_author(
        make_comment(article, user, body="Spam"), moderator, reason="Spam"
    )


@pytest.mark.parametrize(
    "address", ["bob@example.org", "BOB@example.org", "bob+2@example.org", " Bob+x@Example.ORG"]
)
def test_a_banned_member_cannot_post_as_a_guest_with_their_inbox(
    address,
    client,
    bob,
    article,
    make_comment,
    moderator,
    make_subscriber,
    guest_login,
    post_comment,
):
    _ban_member(bob, article, make_comment, moderator)
    guest = _as_guest(client, make_subscriber, guest_login, address.strip())
    assert _is_refused(guest, article, post_comment, "Hello again, as a guest")


def test_a_banned_member_cannot_post_as_a_guest_with_another_address_they_proved(
    client, bob, article, make_comment, moderator, make_subscriber, guest_login, post_comment
):
    EmailAddress.objects.create(user=bob, email="bob@work.example", verified=True)
    _ban_member(bob, article, make_comment, moderator)
    guest = _as_guest(client, make_subscriber, guest_login, "Bob+spam@work.example")
    assert _is_refused(guest, article, post_comment, "Hello from work")


def test_a_banned_member_cannot_post_from_a_second_account_on_the_same_inbox(
    client, bob, article, make_comment, moderator, post_comment, django_user_model
):
    _ban_member(bob, article, make_comment, moderator)
    second = _member(django_user_model, "bob+2@example.org")
    assert _is_refused(_as_member(client, second), article, post_comment, "A new me")


@pytest.mark.parametrize("address", ["eve@example.org", "EVE+member@example.org"])
def test_a_banned_guest_cannot_sign_up_and_post_as_a_member(
    address,
    client,
    article,
    make_comment,
    moderator,
    make_subscriber,
    post_comment,
    django_user_model,
):
    guest_post = make_comment(article, make_subscriber(email="eve@example.org"), body="Spam")
    moderator_actions.ban_author(guest_post, moderator, reason="Spam")
    eve = _member(django_user_model, address, name="Sample Eve")
    assert _is_refused(_as_member(client, eve), article, post_comment, "Now I am a member")


def test_a_guest_ban_made_in_the_admin_holds_for_the_inbox(
    client, moderator, article, make_subscriber, guest_login, post_comment, django_user_model
):
    staff_browser = _as_member(client, moderator)
    staff_browser.post(
        "/admin/comments/ban/add/", {"email": "eve@example.org", "reason": "Spam run"}
    )
    assert Ban.objects.get().email == "eve@example.org"
    guest = _as_guest(client, make_subscriber, guest_login, "eve+again@example.org")
    assert _is_refused(guest, article, post_comment, "Hello as a guest")
    member = _member(django_user_model, "Eve@example.org", name="Sample Eve")
    assert _is_refused(_as_member(client, member), article, post_comment, "Hello as a member")


def test_a_member_ban_made_in_the_admin_holds_for_the_inbox(
    client, bob, moderator, article, make_subscriber, guest_login, post_comment
):
    _as_member(client, moderator).post(
        "/admin/comments/ban/add/", {"person": bob.email, "reason": "Spam run"}
    )
    assert Ban.objects.get().user == bob
    guest = _as_guest(client, make_subscriber, guest_login, "bob+3@example.org")
    assert _is_refused(guest, article, post_comment, "Hello as a guest")


@pytest.mark.parametrize("address", ["bob+2@example.org", "BOB@example.org"])
def test_a_ban_outlives_the_deleted_account_for_the_inbox(
    address,
    client,
    bob,
    article,
    make_comment,
    moderator,
    make_subscriber,
    guest_login,
    post_comment,
    django_user_model,
):
    _ban_member(bob, article, make_comment, moderator)
    _as_member(client, bob).post(
        "/account/delete/", {"password": "a-long-test-password", "comments": "remove"}
    )
    assert not django_user_model.objects.filter(email="bob@example.org").exists()
    ban = Ban.objects.get()
    assert ban.user is None and ban.email == "" and "bob" not in str(ban.__dict__)

    guest = _as_guest(client, make_subscriber, guest_login, address)
    assert _is_refused(guest, article, post_comment, "Back as a guest")
    comeback = _member(django_user_model, address)
    assert _is_refused(_as_member(client, comeback), article, post_comment, "Back as a member")


def test_gmail_dots_and_googlemail_reach_the_same_banned_inbox(
    client, article, make_comment, moderator, make_subscriber, guest_login, post_comment
):
    guest_post = make_comment(article, make_subscriber(email="bob.smith@gmail.com"), body="Spam")
    moderator_actions.ban_author(guest_post, moderator, reason="Spam")
    for n, address in enumerate(["bobsmith@gmail.com", "B.o.b.Smith+1@googlemail.com"]):
        guest = _as_guest(client, make_subscriber, guest_login, address)
        assert _is_refused(guest, article, post_comment, f"Dots {n}")


def test_a_ban_hashed_before_inboxes_still_holds(
    client, article, make_subscriber, guest_login, post_comment, settings
):
    """Bans kept as hashes before bans were by inbox hashed the address as typed, casefolded."""
    from django.utils.crypto import salted_hmac

    old_hash = salted_hmac(
        "accounts.privacy.address_hash",
        "bob.smith+news@gmail.com",
        secret=settings.SECRET_KEY,
        algorithm="sha256",
    ).hexdigest()
    Ban.objects.create(email_hash=old_hash, reason="Spam run")
    guest = _as_guest(client, make_subscriber, guest_login, "Bob.Smith+news@gmail.com")
    assert _is_refused(guest, article, post_comment, "Still here")


def test_other_people_are_not_caught_by_a_ban(
    client, bob, article, make_comment, moderator, make_subscriber, guest_login, post_comment
):
    _ban_member(bob, article, make_comment, moderator)
    for n, address in enumerate(["bobby@example.org", "bob@example.net", "b.ob@example.org"]):
        guest = _as_guest(client, make_subscriber, guest_login, address)
        assert not _is_refused(guest, article, post_comment, f"Someone else {n}")


def test_a_staff_member_cannot_be_banned_through_an_alias_of_their_address(
    client, moderator, staff, article, make_comment, make_subscriber
):
    """With bans by inbox, a guest ban on staff+x@ would lock out staff@: refused too."""
    response = _as_member(client, moderator).post(
        "/admin/comments/ban/add/", {"email": "Staff+x@example.org", "reason": "no"}
    )
    assert "Staff members and superusers cannot be banned" in response.content.decode()
    guest_post = make_comment(article, make_subscriber(email="staff+guest@example.org"))
    with pytest.raises(moderator_actions.CannotBan):
        moderator_actions.ban_author(guest_post, moderator, reason="no")
    assert not Ban.objects.exists()


def test_a_ban_rejects_the_waiting_posts_of_the_same_inbox(
    bob, article, make_comment, moderator, make_subscriber
):
    waiting = make_comment(
        article, make_subscriber(email="bob+guest@example.org"), body="Waiting", status="pending"
    )
    _ban_member(bob, article, make_comment, moderator)
    waiting.refresh_from_db()
    assert waiting.status == Comment.Status.REJECTED


def test_bans_made_before_inboxes_get_their_key_from_the_migration(
    client, bob, article, make_subscriber, guest_login, post_comment
):
    import importlib

    from django.apps import apps

    Ban.objects.create(email="eve@example.org", reason="Spam run")  # as stored before
    Ban.objects.create(user=bob, reason="Spam run")
    migration = importlib.import_module("comments.migrations.0007_bans_keyed_by_inbox")
    migration.key_bans(apps, None)
    for address in ("eve+1@example.org", "bob+1@example.org"):
        guest = _as_guest(client, make_subscriber, guest_login, address)
        assert _is_refused(guest, article, post_comment, f"Hello from {address[:5]}")


def test_a_member_whose_address_reaches_a_staff_inbox_cannot_be_banned(
    client, moderator, staff, django_user_model
):
    alias = _member(django_user_model, "staff+other@example.org", name="Sample Alias")
    response = _as_member(client, moderator).post(
        "/admin/comments/ban/add/", {"person": alias.email, "reason": "no"}
    )
    assert "Staff members and superusers cannot be banned" in response.content.decode()
    assert not Ban.objects.exists()


def test_a_ban_naming_nobody_is_refused_with_a_message(client, moderator):
    response = _as_member(client, moderator).post("/admin/comments/ban/add/", {"reason": "x"})
    assert response.status_code == 200
    assert "Choose the member or type the address to ban." in response.content.decode()
    assert not Ban.objects.exists()


def test_a_ban_outlives_a_member_deleted_in_the_admin(
    client,
    bob,
    staff,
    article,
    make_comment,
    moderator,
    make_subscriber,
    guest_login,
    post_comment,
    django_user_model,
):
    """A superuser deletes the account itself (not through "delete my account"): the ban stays,
    by the keyed hash of the inbox it was made for."""
    _ban_member(bob, article, make_comment, moderator)
    _as_member(client, staff).post(f"/admin/accounts/user/{bob.pk}/delete/", {"post": "yes"})
    assert not django_user_model.objects.filter(pk=bob.pk).exists()
    ban = Ban.objects.get()
    assert ban.user is None and ban.email_hash
    guest = _as_guest(client, make_subscriber, guest_login, "bob@example.org")
    assert _is_refused(guest, article, post_comment, "Back as a guest")
