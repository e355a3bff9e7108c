"""The article page costs the same number of queries with 10 comments or 500."""

import pytest
from django.test import Client

from comments.models import Comment

pytestmark = pytest.mark.django_db


def _fill(article, count, make_subscriber, member):
    guests = [make_subscriber(name=f"Sample Guest {n}") for n in range(5)]
    top = []
    for n in range(count):
        author = guests[n % 5] if n % 3 else member
        if n % 4 == 0 or not top:
            comment = Comment(article=article, body=f"Post {n}", status="published")
        else:
            parent = top[n % len(top)]
            comment = Comment(
                article=article,
                body=f"Reply {n}",
                status="published",
                parent=parent,
                root_id=parent.root_id or parent.pk,
                depth=parent.depth + 1,
            )
        if hasattr(author, "display_name"):
            comment.author_user = author
        else:
            comment.author_subscriber = author
        comment.save()
        if comment.depth < 4:
            top.append(comment)


@pytest.mark.parametrize("count", [10, 500])
def test_member_page_queries_do_not_grow_with_comments(
    client, member, django_user_model, article, make_subscriber, count, django_assert_num_queries
):
    _fill(article, count, make_subscriber, member)
    other = django_user_model.objects.create_user(
        email="other@example.org", password="a-long-test-password", display_name="Sample Other"
    )
    other_client = Client()
    other_client.force_login(other)
    client.force_login(member)
    client.get(article.get_absolute_url())  # the sidebar, and the article as this process keeps it
    Comment.objects.create(  # the thread changed
        article=article, body="A new post", body_html="<p>A new post</p>", status="published"
    )
    # 1 session, 2 member, 3 the member's waiting posts, 4 top-level count for the paginator,
    # 5 page of top-level comments with their authors, 6 every reply of those threads with
    # their authors, 7 published count, 8 the member's hugs among them.
    with django_assert_num_queries(8):
        response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    # Another member's page reuses that rendering of the thread: 3 waiting posts, 4 hugs.
    with django_assert_num_queries(4):
        response = other_client.get(article.get_absolute_url())
    assert b"<p>A new post</p>" in response.content
    # The article changed: it is read again (3 queries: article, reviewers, authors), and so
    # are the thread, whose rendering was made under the site's previous generation (the 8
    # above), and the recent-articles sidebar (2: the articles, the next scheduled one).
    article.title = "A title edited just now"
    article.save()
    with django_assert_num_queries(13):
        response = other_client.get(article.get_absolute_url())
    assert b"A title edited just now" in response.content


@pytest.mark.parametrize("count", [10, 500])
def test_member_with_waiting_posts_gets_their_own_rendering(
    client, member, article, make_subscriber, count, django_assert_num_queries
):
    _fill(article, count, make_subscriber, member)
    Comment.objects.create(
        article=article,
        body="Mine, waiting",
        body_html="<p>Mine, waiting</p>",
        status="pending",
        author_user=member,
    )
    client.force_login(member)
    client.get(article.get_absolute_url())
    # 1 session, 2 member, 3 the member's waiting posts (some: the shared rendering is not for
    # them), 4 published count, 5 top-level count, 6 page of top-level comments, 7 their
    # replies, 8 the member's hugs.
    with django_assert_num_queries(8):
        response = client.get(article.get_absolute_url())
    assert b"<p>Mine, waiting</p>" in response.content


@pytest.mark.parametrize("count", [10, 500])
def test_guest_page_queries_do_not_grow_with_comments(
    client, member, article, make_subscriber, guest_login, count, django_assert_num_queries
):
    _fill(article, count, make_subscriber, member)
    guest_login(client, make_subscriber())
    client.get(article.get_absolute_url())
    # 1 session, 2 the guest's subscriber row, 3 published count, 4 top-level count, 5 page of
    # top-level comments, 6 their replies (the article as this process keeps it: no query).
    with django_assert_num_queries(6):
        assert client.get(article.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("count", [10, 500])
def test_anonymous_page_queries_do_not_grow_with_comments(
    client, settings, member, article, make_subscriber, count, django_assert_num_queries
):
    _fill(article, count, make_subscriber, member)
    settings.PAGE_CACHE_SECONDS = 0
    client.get(article.get_absolute_url())
    # 1 article, 2 reviewers, 3 authors, 4 the published count (the gate hides the thread).
    with django_assert_num_queries(4):
        assert client.get(article.get_absolute_url()).status_code == 200
    # From the shared page cache: no database at all.
    settings.PAGE_CACHE_SECONDS = 600
    client.get(article.get_absolute_url())
    with django_assert_num_queries(0):
        response = client.get(article.get_absolute_url())
    assert response["X-Page-Cache"] == "hit"
