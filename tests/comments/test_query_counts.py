"""The article page costs the same number of queries with 10 comments or 500."""

import pytest
from django.test import Client

from articles import publishing
from comments.models import Comment
from kindred import freshness

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
    client.get(article.get_absolute_url())  # the sidebar
    Comment.objects.create(
        article=article, body="A new post", body_html="<p>A new post</p>", status="published"
    )
    freshness.thread_changed(article.pk)  # as comments/posting.py says after a post
    # 1 session, 2 member, 3 the article, 4 its reviewers, 5 its authors, 6 the thread's
    # counts (top-level posts for the paginator, published posts for the heading), 7 the page's
    # top-level posts, 8 those and every reply of theirs, with their authors and the member's
    # hugs.
    with django_assert_num_queries(8):
        response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    # Another member's page is made the same way (the comments' faces come from the fragments
    # cache, which is no query).
    with django_assert_num_queries(8):
        response = other_client.get(article.get_absolute_url())
    assert b"<p>A new post</p>" in response.content
    # The article changed: the recent-articles sidebar is read again (2: the articles, the
    # next scheduled one), beside the 8.
    article.title = "A title edited just now"
    publishing.save_article(article)
    with django_assert_num_queries(10):
        response = other_client.get(article.get_absolute_url())
    assert b"A title edited just now" in response.content


@pytest.mark.parametrize("count", [10, 500])
def test_member_with_waiting_posts_sees_them_at_no_extra_query(
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
    # 1 session, 2 member, 3 the article, 4 its reviewers, 5 its authors, 6 the thread's
    # counts, 7 the page's top-level posts (their own waiting posts among them), 8 those with
    # their replies and the member's hugs.
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
    # 1 session, 2 the guest's subscriber row, 3 the article, 4 its reviewers, 5 its authors,
    # 6 the thread's counts, 7 the page's top-level posts, 8 those with their replies.
    with django_assert_num_queries(8):
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
