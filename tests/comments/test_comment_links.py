"""Every comment has an address that works: /c/<id>/ opens the page of the thread that holds
it, at the post, for any reader allowed to see it; a reader stopped by the read gate gets the
gate first and then the post; a removed or hidden post says so."""

import re

import pytest
from django.test import Client

from comments import public_notes
from comments.models import Comment

pytestmark = pytest.mark.django_db


@pytest.fixture
def thread(article, member, make_comment, settings):
    """Seven top-level posts, two a page: newest first, the oldest is on page 4."""
    settings.COMMENTS_PER_PAGE = 2
    posts = [make_comment(article, member, body=f"Post number {n}") for n in range(7)]
    return posts


def test_a_post_opens_on_the_page_that_holds_it(client, thread, article, settings):
    settings.COMMENTS_READ_GATE = False
    oldest, newest = thread[0], thread[-1]
    response = client.get(f"/c/{oldest.pk}/")
    assert response["Location"] == f"{article.get_absolute_url()}?cpage=4#comment-{oldest.pk}"
    page = client.get(response["Location"]).content.decode()
    assert f'id="comment-{oldest.pk}"' in page
    assert client.get(f"/c/{newest.pk}/")["Location"].endswith(f"/#comment-{newest.pk}")
    client.cookies["comment_order"] = "oldest"  # in the reader's own order
    assert client.get(f"/c/{oldest.pk}/")["Location"].endswith(f"/#comment-{oldest.pk}")


def test_a_reply_opens_on_its_threads_page(client, thread, article, member, make_comment, settings):
    settings.COMMENTS_READ_GATE = False
    reply = make_comment(article, member, parent=thread[1], root=thread[1], depth=1, body="Re")
    location = client.get(f"/c/{reply.pk}/")["Location"]
    assert location == f"{article.get_absolute_url()}?cpage=3#comment-{reply.pk}"
    assert f'id="comment-{reply.pk}"' in client.get(location).content.decode()


def test_a_pinned_post_opens_on_the_first_page(client, thread, article, moderator, settings):
    settings.COMMENTS_READ_GATE = False
    public_notes.pin(thread[0], moderator)
    assert client.get(f"/c/{thread[0].pk}/")["Location"].endswith(f"/#comment-{thread[0].pk}")
    # The pinned post comes first, so the others move one place down.
    assert "?cpage=2" in client.get(f"/c/{thread[-2].pk}/")["Location"]


def test_the_gate_comes_first_then_the_post(client, thread, article, settings):
    settings.COMMENTS_READ_GATE = True
    target = thread[0]
    response = client.get(f"/c/{target.pk}/")
    assert response["Location"] == f"{article.get_absolute_url()}?c={target.pk}#comments"
    gate = client.get(response["Location"])
    page = gate.content.decode()
    assert f'name="next" value="/c/{target.pk}/"' in page
    assert f'href="/accounts/login/?next=/c/{target.pk}/"' in page
    assert gate.get("X-Page-Cache") != "hit" and "Post number 0" not in page
    shared = client.post(
        "/subscribe/",
        {
            "name": "Sample Reader",
            "email": "r@example.org",
            "source": "comments",
            "next": f"/c/{target.pk}/",
        },
    )
    assert shared["Location"] == f"/c/{target.pk}/"
    landed = client.get(shared["Location"], follow=True)
    assert landed.redirect_chain[-1][0].endswith(f"?cpage=4#comment-{target.pk}")
    assert f'id="comment-{target.pk}"' in landed.content.decode()


def test_a_page_for_one_post_is_not_kept_by_the_page_cache(client, thread, article, settings):
    settings.COMMENTS_READ_GATE = True
    for _ in range(2):
        response = Client().get(f"{article.get_absolute_url()}?c={thread[0].pk}")
    assert response.get("X-Page-Cache") != "hit"


def test_a_post_that_cannot_be_shown_says_why(client, article, member, make_comment, settings):
    settings.COMMENTS_READ_GATE = False
    removed = make_comment(article, member, body="", status=Comment.Status.REMOVED)
    rejected = make_comment(article, member, body="Gone", status=Comment.Status.REJECTED)
    members = make_comment(article, member, body="For members", members_only=True)
    response = client.get(f"/c/{removed.pk}/")
    assert response.status_code == 410 and "Its author removed it" in response.content.decode()
    response = client.get(f"/c/{rejected.pk}/")
    assert response.status_code == 404 and "A moderator took it down" in response.content.decode()
    response = client.get(f"/c/{members.pk}/")
    page = response.content.decode()
    assert response.status_code == 403 and "signed-in members only" in page
    assert f'href="/accounts/login/?next=/c/{members.pk}/"' in page
    assert "For members" not in page
    response = client.get("/c/999999/")
    assert response.status_code == 404 and "No such post" in response.content.decode()


def test_links_in_mails_and_the_admin_use_the_posts_address(
    article, member, make_comment, moderator
):
    post = make_comment(article, member, body="Linked")
    desk = Client()
    desk.force_login(moderator)
    page = desk.get(f"/admin/comments/comment/{post.pk}/change/").content.decode()
    assert f'href="/c/{post.pk}/"' in page
    assert re.search(rf"/c/{post.pk}/", post.get_absolute_url())
