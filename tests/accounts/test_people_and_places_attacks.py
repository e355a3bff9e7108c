"""Attacks on issue 15 ("People and places") found by an outside review: each test failed
before its fix."""

import json

import pytest
from django.test import Client

from accounts import privacy, profiles
from comments import moderator_actions
from comments.models import Comment
from tests.conftest import cached_page, post_account_settings

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _thread_visible(settings):
    settings.COMMENTS_READ_GATE = False


def test_replies_follow_their_post_to_members_only(
    article, member, make_comment, moderator, django_user_model
):
    """Impact: a moderator moves a post (e.g. a possible crisis, or surgery details) to members
    only, but the replies already under it stay public (members_only is copied only when a
    reply is created). Anonymous readers and search engines still read the replies, which
    often quote the post, on the replier's public profile page, and /c/<reply>/ answers them;
    guests may even reply to those replies. show_to_members_only / respond_to_crisis should
    carry the flag to the whole subtree (and the profile should not list posts the thread
    itself does not show)."""
    replier = django_user_model.objects.create_user(
        email="replier@example.org",
        password="x" * 12,
        display_name="Replier",
        profile_public=True,
        handle="replier",
    )
    post = make_comment(article, member, body="I am thinking of ending it")
    reply = make_comment(article, replier, parent=post, body="Please call someone about ending it")
    moderator_actions.show_to_members_only(post, moderator)

    anonymous = Client()
    assert "Please call someone" not in anonymous.get("/members/replier/").content.decode()
    assert anonymous.get(f"/c/{reply.pk}/").status_code == 403
    reply.refresh_from_db()
    assert reply.members_only


def test_a_new_display_name_does_not_keep_the_old_one_in_the_profile_address(
    client, member, article, make_comment
):
    """Impact: the profile address is made once from the display name and kept forever. A
    member who first used their real name and then changes it to a pseudonym (common on a
    health site) still has /members/jane-smith/ linked from every post they ever wrote, on
    the cached anonymous pages: the rename does not protect them. The handle should not be
    derived from the name (random/opaque), or should follow a rename (with a redirect only
    at the member's choice)."""
    member.display_name = "Jane Smith"
    member.save()
    make_comment(article, member, body="My diagnosis story")
    client.force_login(member)
    post_account_settings(client, member, profile_public="on")
    member.refresh_from_db()
    post_account_settings(client, member, display_name="Quiet Fox", profile_public="on")
    page = cached_page(article)
    assert "Quiet Fox" in page
    assert "jane-smith" not in page


def test_the_data_export_has_the_new_personal_data(member, make_subscriber):
    """Impact: the member's data export (right of access) leaves out everything issue 15
    added: role, "living with" (health data, a special category), the profile choice and
    address, the verified profession, when they agreed to the terms, and the newsletter
    consent time (newsletter_at). accounts/privacy.py export_account / export_subscription
    (and export_guest_subscription) should include them."""
    member.role = "patient"
    member.living_with = "SMA type 3"
    member.profile_public = True
    member.handle = "sample-member"
    member.save()
    make_subscriber(email=member.email, user=member)
    exported = json.dumps(privacy.export_member(member))
    assert "SMA type 3" in exported
    assert "patient" in exported
    assert "sample-member" in exported
    assert "newsletter_at" in exported or "newsletter" in exported
    assert "agreed_to_terms" in exported


def test_sending_a_post_again_as_members_only_is_not_left_public(member, article, post_comment):
    """Impact: a member posts, realises it should be for members only, goes Back, ticks
    "Only members can read this" and sends the same words again: find_duplicate returns the
    public post ("You had already posted this. Here it is.") and it stays public to anonymous
    readers and search engines. The same happens to "sensitive picture". comments/posting.py
    find_duplicate should not match a post whose members_only (or sensitivity) differs, or
    apply the stricter choice to it."""
    author = Client()
    author.force_login(member)
    post_comment(author, article, body="My biopsy result came back positive")
    post_comment(author, article, body="My biopsy result came back positive", members_only="on")
    posts = Comment.objects.filter(body="My biopsy result came back positive")
    assert not posts.filter(members_only=False).exists()
    assert "biopsy" not in cached_page(article)


def test_a_guest_author_opens_their_own_members_only_post(
    article, make_subscriber, guest_login, make_comment, moderator
):
    """Impact: /c/<id>/ refuses any non-member a members-only post before asking whether they
    may see it, though visibility() shows authors their own. A guest whose post a moderator
    moved to members only (the crisis answer) follows the link in their mails and is told
    "A post for members, log in to read it" about their own words. (The same early check
    tells anyone that a rejected or waiting members-only post is "for members" instead of
    "not shown".) comments/views.py comment_link should test visibility first."""
    guest = make_subscriber()
    post = make_comment(article, guest, body="I feel awful tonight")
    moderator_actions.respond_to_crisis(post, moderator, hide_fully=False)
    client = guest_login(Client(), guest)
    assert "I feel awful tonight" in client.get(article.get_absolute_url()).content.decode()
    response = client.get(f"/c/{post.pk}/")
    assert response.status_code == 302
    assert response["Location"].endswith(f"#comment-{post.pk}")


def test_a_deactivated_members_posts_stop_linking_to_their_profile(
    member, staff, article, make_comment
):
    """Impact: staff deactivate a member (is_active off): their profile answers 404, but the
    cached anonymous pages keep linking every post to it (is_active is not in
    User.SHOWN_ON_PAGES and Entry.speaking ignores it), so readers get dead links until some
    unrelated change flushes the site."""
    member.profile_public = True
    member.handle = "sample-member"
    member.save()
    make_comment(article, member, body="Hello all")
    assert "/members/sample-member/" in cached_page(article)
    desk = Client()
    desk.force_login(staff)
    data = {
        "email": member.email,
        "display_name": member.display_name,
        "bio": "",
        "notify_replies": "on",
        "role": "",
        "living_with": "",
        "profile_public": "on",
        "profession_verified": "",
        "date_joined_0": member.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": member.date_joined.strftime("%H:%M:%S"),
    }  # is_active left out: unticked
    assert desk.post(f"/admin/accounts/user/{member.pk}/change/", data).status_code == 302
    assert Client().get("/members/sample-member/").status_code == 404
    assert "/members/sample-member/" not in cached_page(article)


def test_a_verified_professional_may_post_as_a_patient(
    client, member, staff, article, make_comment
):
    """Impact: once staff verified a profession, shown_role ignores the member's own "I post
    as" choice: a nurse who is also a patient (or caregiver) and picks "Patient" in settings
    is told nothing, the form saves, and every post still says "Registered nurse, verified"
    (identifying on a pseudonymous health site) until staff revoke it. accounts/profiles.py
    shown_role should show the badge only while role == professional."""
    make_comment(article, member, body="My own treatment went well")
    profiles.verify_profession(member, staff, "Registered nurse")
    member.refresh_from_db()
    client.force_login(member)
    post_account_settings(client, member, role="patient")
    page = cached_page(article)
    assert "Registered nurse" not in page
    assert '<span class="comment__role">Patient</span>' in page
