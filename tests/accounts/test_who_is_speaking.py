"""Who is speaking: a member's role and "living with" line on their posts, a health
professional only once staff verified it (audited); profile pages shown only by choice; a
member's own posts with their states. Pseudonymous: nothing of the email address shows."""

import pytest
from django.test import Client

from comments import moderator_actions
from comments.models import Comment, ModerationAction
from tests.conftest import cached_page, post_account_settings

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _thread_visible(settings):
    settings.COMMENTS_READ_GATE = False


def test_a_member_shows_who_they_are_on_their_posts(client, member, article, make_comment):
    make_comment(article, member, body="Stretching every morning helps me.")
    assert "Patient" not in cached_page(article)
    client.force_login(member)
    post_account_settings(client, member, role="patient", living_with="SMA type 3")
    page = cached_page(article)
    assert '<span class="comment__role">Patient</span>' in page
    assert "living with <bdi>SMA type 3</bdi>" in page
    assert member.email not in page and "member@example.org" not in page


def test_a_health_professional_shows_only_once_staff_verified_it(
    client, member, staff, article, make_comment
):
    make_comment(article, member, body="As a nurse, I would ask your team about it.")
    client.force_login(member)
    post_account_settings(client, member, role="professional")
    page = cached_page(article)
    assert "Health professional" not in page and "verified" not in page  # a claim shows nothing

    desk = Client()
    desk.force_login(staff)
    member.refresh_from_db()
    change = desk.get(f"/admin/accounts/user/{member.pk}/change/")
    assert change.status_code == 200
    data = {
        "email": member.email,
        "display_name": member.display_name,
        "bio": "",
        "notify_replies": "on",
        "role": "professional",
        "living_with": "",
        "profession_verified": "Registered nurse",
        "is_active": "on",
        "date_joined_0": member.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": member.date_joined.strftime("%H:%M:%S"),
    }
    response = desk.post(f"/admin/accounts/user/{member.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    page = cached_page(article)
    assert "Registered nurse, verified" in page and "comment__role--verified" in page
    entry = ModerationAction.objects.get(action="verify profession")
    assert entry.actor == staff and entry.note == "Registered nurse"

    desk.post(
        "/admin/accounts/user/",
        {"action": "revoke_profession", "_selected_action": [member.pk]},
    )
    assert "Registered nurse" not in cached_page(article)
    assert ModerationAction.objects.filter(action="revoke profession").count() == 1


def test_the_member_cannot_verify_themselves(client, member):
    client.force_login(member)
    post_account_settings(client, member, role="professional", profession_verified="Surgeon")
    member.refresh_from_db()
    assert member.profession_verified == ""


def test_a_profile_is_private_until_the_member_shows_it(client, member, article, make_comment):
    make_comment(article, member, body="My first post")
    client.force_login(member)
    post_account_settings(client, member, bio="Parent of a sample child.")
    member.refresh_from_db()
    assert member.handle == ""  # no address while private
    post_account_settings(client, member, bio="Parent of a sample child.", profile_public="on")
    member.refresh_from_db()
    assert member.handle == "sample-member"
    page = Client().get("/members/sample-member/").content.decode()
    assert "Parent of a sample child." in page and "My first post" in page
    assert member.email not in page
    assert 'href="/members/sample-member/"' in cached_page(article)  # the name links to it
    post_account_settings(client, member, bio="Parent of a sample child.")  # private again
    assert Client().get("/members/sample-member/").status_code == 404


def test_a_profile_lists_published_posts_newest_first_in_pages(
    member, article, make_comment, django_assert_num_queries, settings
):
    member.profile_public, member.handle = True, "sample-member"
    member.save()
    for n in range(22):
        make_comment(article, member, body=f"Published post {n:02d}")
    make_comment(article, member, body="Still waiting", status="pending")
    make_comment(article, member, body="Taken down", status="rejected")
    make_comment(article, member, body="Members only words", members_only=True)
    with django_assert_num_queries(3):  # the member, the count of posts, the page of posts
        page = Client().get("/members/sample-member/").content.decode()
    assert page.index("Published post 21") < page.index("Published post 02")
    assert "Published post 01" not in page  # on page 2
    assert "Still waiting" not in page and "Taken down" not in page
    assert "Members only words" not in page
    assert "Published post 01" in Client().get("/members/sample-member/?cpage=2").content.decode()


def test_a_profiles_queries_do_not_grow_with_its_posts(
    member, article, make_comment, django_assert_max_num_queries
):
    member.profile_public, member.handle = True, "sample-member"
    member.save()
    make_comment(article, member, body="One")
    with django_assert_max_num_queries(4) as few:
        Client().get("/members/sample-member/")
    for n in range(30):
        make_comment(article, member, body=f"More {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        Client().get("/members/sample-member/")


def test_a_member_sees_all_their_posts_and_what_became_of_them(
    client, member, moderator, article, make_comment, django_assert_max_num_queries
):
    make_comment(article, member, body="A published one")
    make_comment(article, member, body="A waiting one", status="pending")
    rejected = make_comment(article, member, body="A rejected one", status="pending")
    moderator_actions.reject(rejected, moderator, "off_topic")
    other = make_comment(article, None, body="Somebody else's")
    client.force_login(member)
    with django_assert_max_num_queries(5):
        page = client.get("/account/posts/").content.decode()
    assert "A published one" in page and "A waiting one" in page and "A rejected one" in page
    assert "Waiting for a moderator" in page
    assert "the reason: It is not about this article" in page
    assert other.body not in page
    assert Client().get("/account/posts/").status_code == 302  # log in first
    assert Comment.objects.filter(author_user=member).count() == 3


def test_the_export_holds_who_they_said_they_are_and_when_they_agreed(client, member):
    import json

    client.force_login(member)
    post_account_settings(client, member, role="caregiver", living_with="my son's condition")
    response = client.post("/account/export/")
    data = json.loads(response.content)
    assert data["account"]["role"] == "caregiver"
    assert data["account"]["living_with"] == "my son's condition"
    assert "agreed_to_terms_at" in data["account"] and data["account"]["profile_public"] is False
