"""A member's comments in "export my data" and "delete my account"."""

import json

import pytest

from comments.models import Comment

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, member):
    client.force_login(member)
    return client


def test_export_includes_the_members_comments(logged_in, member, article, make_comment):
    make_comment(article, member, body="My story")
    data = json.loads(logged_in.post("/account/export/").content)
    assert [c["text"] for c in data["comments"]["comments"]] == ["My story"]


def test_delete_keeping_comments_shows_a_former_member(logged_in, member, article, make_comment):
    make_comment(article, member, body="Worth keeping")
    logged_in.post("/account/delete/", {"password": "a-long-test-password", "comments": "keep"})
    comment = Comment.objects.get()
    assert comment.author_user is None and comment.author_name == "a former member"
    viewer = type(logged_in)()
    viewer.force_login(
        type(member).objects.create_user(email="v@example.org", password="x" * 12, display_name="V")
    )
    page = viewer.get(article.get_absolute_url()).content.decode()
    assert "Worth keeping" in page and "a former member" in page
    assert "Sample Member" not in page


def test_delete_removing_comments_keeps_other_peoples_replies(
    logged_in, member, article, make_comment, make_subscriber
):
    lonely = make_comment(article, member, body="Nobody answered")
    answered = make_comment(article, member, body="Somebody answered")
    make_comment(article, make_subscriber(), parent=answered, body="The answer")
    logged_in.post("/account/delete/", {"password": "a-long-test-password", "comments": "remove"})
    assert not Comment.objects.filter(pk=lonely.pk).exists()
    answered.refresh_from_db()
    assert answered.is_removed and answered.body == "" and answered.author_user is None
    assert Comment.objects.filter(body="The answer").exists()
