"""Authors edit within 15 minutes and delete at any time; replies keep the thread's shape."""

import datetime

import pytest
from django.utils import timezone

from comments.models import Comment

pytestmark = pytest.mark.django_db


def test_author_edits_within_the_window_and_it_is_marked(client, member, article, make_comment):
    comment = make_comment(article, member, body="Frist post")
    client.force_login(member)
    response = client.post(f"/comments/{comment.pk}/edit/", {"body": "First post"})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.body == "First post" and comment.edited_at is not None
    page = client.get(article.get_absolute_url()).content.decode()
    assert '<span class="comment__edited">edited</span>' in page


def test_editing_closes_after_15_minutes(client, member, article, make_comment):
    comment = make_comment(article, member, body="Old words")
    Comment.objects.filter(pk=comment.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=16)
    )
    client.force_login(member)
    response = client.post(f"/comments/{comment.pk}/edit/", {"body": "New words"})
    assert response.status_code == 403
    assert "can no longer be edited" in response.content.decode()
    comment.refresh_from_db()
    assert comment.body == "Old words"


def test_nobody_else_can_edit_or_delete(client, member, article, make_comment, make_subscriber):
    comment = make_comment(article, make_subscriber(), body="Mine")
    client.force_login(member)
    assert client.post(f"/comments/{comment.pk}/edit/", {"body": "Yours"}).status_code == 404
    assert client.post(f"/comments/{comment.pk}/delete/").status_code == 404
    comment.refresh_from_db()
    assert comment.body == "Mine" and comment.is_published


def test_guest_edits_own_post_from_their_session(
    client, article, make_comment, make_subscriber, guest_login
):
    guest = make_subscriber()
    comment = make_comment(article, guest, body="Typo hre")
    guest_login(client, guest)
    client.post(f"/comments/{comment.pk}/edit/", {"body": "Typo here"})
    comment.refresh_from_db()
    assert comment.body == "Typo here"


def test_delete_with_replies_leaves_a_placeholder(
    client, member, article, make_comment, make_subscriber
):
    comment = make_comment(article, member, body="Something I regret")
    reply = make_comment(
        article, make_subscriber(name="Sample Replier"), parent=comment, body="I get it"
    )
    client.force_login(member)
    assert "Delete your post?" in client.get(f"/comments/{comment.pk}/delete/").content.decode()
    client.post(f"/comments/{comment.pk}/delete/")
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Something I regret" not in page
    assert "This post was removed by its author." in page
    assert "I get it" in page and f'id="comment-{reply.pk}"' in page


def test_delete_without_replies_leaves_nothing(client, member, article, make_comment):
    comment = make_comment(article, member, body="Gone soon")
    client.force_login(member)
    client.post(f"/comments/{comment.pk}/delete/")
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Gone soon" not in page and "removed by its author" not in page
    assert '<span class="conversation__count">(0)</span>' in page
