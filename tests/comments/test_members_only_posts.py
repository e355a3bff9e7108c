"""Members-only posts: a member may choose "only members can read this" when posting. The post
is left out of anonymous pages (the page cache's anonymous copy too) and of a guest's, the count
says how many posts members see besides, and members and the author see it; replies to it are
members-only too; moderators can move a post to members only and back."""

import pytest
from django.test import Client

from comments.models import Comment, ModerationAction
from tests.conftest import cached_page, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _thread_visible(settings):
    settings.COMMENTS_READ_GATE = False


def test_a_member_posts_for_members_only(
    member, article, post_comment, make_comment, django_user_model, make_subscriber, guest_login
):
    make_comment(article, member, body="A public word")
    cached_page(article)  # an anonymous copy is kept before the post
    author = signed_in(member)
    page = author.get(article.get_absolute_url()).content.decode()
    assert "Only members can read this" in page
    post_comment(author, article, body="My scan results, for members only", members_only="on")
    post = Comment.objects.get(body="My scan results, for members only")
    assert post.members_only and post.is_published

    anonymous = cached_page(article)
    assert "My scan results" not in anonymous and "A public word" in anonymous
    assert "And 1 post for signed-in members only." in anonymous
    guest = guest_login(Client(), make_subscriber())
    assert "My scan results" not in guest.get(article.get_absolute_url()).content.decode()
    other = django_user_model.objects.create_user(
        email="other@example.org", password="x" * 12, display_name="Other Member"
    )
    assert "My scan results" in signed_in(other).get(article.get_absolute_url()).content.decode()
    assert "My scan results" in author.get(article.get_absolute_url()).content.decode()


def test_guests_are_not_offered_members_only(article, make_subscriber, guest_login):
    guest = guest_login(Client(), make_subscriber())
    page = guest.get(article.get_absolute_url()).content.decode()
    assert "Only members can read this" not in page


def test_a_guest_cannot_post_members_only_by_adding_the_field(
    article, make_subscriber, guest_login, post_comment
):
    guest = guest_login(Client(), make_subscriber())
    post_comment(guest, article, body="Sneaky", members_only="on")
    assert Comment.objects.get(body="Sneaky").members_only is False


def test_a_reply_under_a_members_only_post_is_members_only(
    member, article, post_comment, make_comment
):
    parent = make_comment(article, member, body="Members only parent", members_only=True)
    author = signed_in(member)
    post_comment(author, article, body="A reply to it", parent=parent.pk)
    assert Comment.objects.get(body="A reply to it").members_only is True
    assert "A reply to it" not in cached_page(article)


def test_moderators_move_a_post_to_members_only_and_back(article, member, make_comment, moderator):
    post = make_comment(article, member, body="Details of my surgery")
    assert "Details of my surgery" in cached_page(article)
    desk = signed_in(moderator)
    desk.post(
        "/admin/comments/comment/",
        {"action": "show_to_members_only", "_selected_action": [post.pk]},
    )
    assert "Details of my surgery" not in cached_page(article)
    desk.post(
        "/admin/comments/comment/", {"action": "show_to_everyone", "_selected_action": [post.pk]}
    )
    assert "Details of my surgery" in cached_page(article)
    actions = list(ModerationAction.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["members only", "shown to everyone"]


def test_the_members_only_count_costs_no_query(
    member, article, make_comment, settings, django_assert_max_num_queries
):
    settings.PAGE_CACHE_SECONDS = 0
    make_comment(article, member, body="Open")
    Client().get(article.get_absolute_url())  # warm the caches
    with django_assert_max_num_queries(20) as before:
        Client().get(article.get_absolute_url())
    for n in range(5):
        make_comment(article, member, body=f"Open {n}")
        make_comment(article, member, body=f"Closed {n}", members_only=True)
    with django_assert_max_num_queries(len(before.captured_queries)):
        page = Client().get(article.get_absolute_url()).content.decode()
    assert "And 5 posts for signed-in members only." in page and "Closed 1" not in page
    settings.COMMENTS_READ_GATE = True  # the gate's count says it too
    gate = Client().get(article.get_absolute_url() + "?order=oldest").content.decode()
    assert "And 5 posts for signed-in members only." in gate
