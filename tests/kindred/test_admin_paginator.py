"""The admin's big lists: PostgreSQL's estimate of their size above a threshold, never a count
of every row on every page view (kindred/admin_paginator.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comments.admin import CommentAdmin
from comments.models import Comment
from kindred import admin_paginator
from kindred.admin_paginator import EstimatedCountPaginator, estimated_count

pytestmark = pytest.mark.django_db
ON_POSTGRESQL = connection.vendor == "postgresql"


@pytest.fixture
def posts(article, member):
    Comment.objects.bulk_create(
        Comment(article=article, author_user=member, body=f"Post {n}", status="published")
        for n in range(30)
    )
    if ON_POSTGRESQL:
        with connection.cursor() as cursor:  # as autovacuum would have, by now
            cursor.execute("ANALYZE comments_comment")
    return Comment.objects.order_by("-pk")


@pytest.fixture
def low_threshold(monkeypatch):
    """Thirty rows stand for a million: the estimate is used from ten rows up."""
    monkeypatch.setattr(EstimatedCountPaginator, "estimate_above", 10)


def test_below_the_threshold_the_count_is_exact(posts):
    paginator = EstimatedCountPaginator(posts, 10)
    assert (paginator.count, paginator.is_estimate) == (30, False)
    assert paginator.num_pages == 3


@pytest.mark.skipif(ON_POSTGRESQL, reason="SQLite has no estimate")
def test_on_sqlite_the_count_is_exact_whatever_the_size(posts, low_threshold):
    assert estimated_count(posts) is None
    paginator = EstimatedCountPaginator(posts.filter(body__startswith="Post 1"), 10)
    assert (paginator.count, paginator.is_estimate) == (11, False)


@pytest.mark.skipif(not ON_POSTGRESQL, reason="the estimate is PostgreSQL's")
def test_a_whole_table_is_estimated_from_its_statistics_without_counting(posts, low_threshold):
    paginator = EstimatedCountPaginator(posts, 10)
    with CaptureQueriesContext(connection) as queries:
        assert (paginator.count, paginator.is_estimate) == (30, True)
    assert len(queries) == 1
    assert "pg_class" in queries[0]["sql"] and "COUNT" not in queries[0]["sql"].upper()


@pytest.mark.skipif(not ON_POSTGRESQL, reason="the estimate is PostgreSQL's")
def test_a_filtered_list_is_estimated_by_explain_without_running_it(posts, low_threshold):
    published = posts.filter(status="published")
    paginator = EstimatedCountPaginator(published, 10)
    with CaptureQueriesContext(connection) as queries:
        count = paginator.count
    assert paginator.is_estimate and 10 <= count <= 60  # the planner's guess of the 30 rows
    assert [query["sql"].split()[0] for query in queries] == ["EXPLAIN"]


@pytest.mark.skipif(not ON_POSTGRESQL, reason="the estimate is PostgreSQL's")
def test_a_small_estimate_is_counted_exactly(posts, low_threshold):
    few = posts.filter(body="Post 7")  # the planner expects one row or so
    paginator = EstimatedCountPaginator(few, 10)
    assert (paginator.count, paginator.is_estimate) == (1, False)


def test_an_estimate_is_shown_to_two_significant_digits():
    assert admin_paginator._rounded(999_987) == 1_000_000
    assert admin_paginator._rounded(19_930) == 20_000
    assert admin_paginator._rounded(12_449) == 12_000
    assert admin_paginator._rounded(57) == 57


def _counts_of_comments(queries):
    return [q["sql"] for q in queries if q["sql"].startswith('SELECT COUNT(*) AS "__count"')]


def test_the_changelist_says_its_count_is_an_estimate(client, staff, posts, low_threshold):
    client.force_login(staff)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/admin/comments/comment/?status__exact=published").content.decode()
    if ON_POSTGRESQL:
        assert "about 30 comments" in page
        assert "Select all (about 30 comments)" in page
        assert _counts_of_comments(queries) == []
    else:
        assert "30 comments" in page and "about 30" not in page
        # The paginator's count only: not Django's second one of the whole table.
        assert len(_counts_of_comments(queries)) == 1


def test_the_changelist_counts_a_small_list_exactly(client, staff, posts):
    client.force_login(staff)
    page = client.get("/admin/comments/comment/").content.decode()
    assert "30 comments" in page and "about 30" not in page


# An estimate that is off (or only rounded) must not hide rows from the moderators, send the
# "last page" link to an empty page, or break the list.


def _posts(article, member, how_many):
    Comment.objects.bulk_create(
        Comment(article=article, author_user=member, body=f"Post {n}", status="published")
        for n in range(how_many)
    )
    return Comment.objects.order_by("-pk")


def _planner_says(monkeypatch, rows):
    """PostgreSQL's estimate, whatever the database: `rows`."""
    monkeypatch.setattr(admin_paginator, "estimated_count", lambda queryset: rows)


def test_a_list_estimated_exactly_still_shows_every_row_on_its_pages(
    article, member, low_threshold, monkeypatch
):
    """144 rows, and the planner knows it: rounding the count for the page ("about 140") must
    not drop the last 4 rows from every page."""
    posts = _posts(article, member, 144)
    _planner_says(monkeypatch, 144)
    paginator = EstimatedCountPaginator(posts, 10)

    shown = [post.pk for number in paginator.page_range for post in paginator.page(number)]

    assert len(shown) == 144


@pytest.fixture
def ten_a_page(monkeypatch):
    monkeypatch.setattr(CommentAdmin, "list_per_page", 10)


def test_rows_past_an_estimate_that_is_too_low_are_reached(
    client, staff, article, member, low_threshold, ten_a_page, monkeypatch
):
    """30 rows, the planner thinks 20 (statistics from before a bulk import): the third page
    holds the oldest ten posts, not the admin's "something's wrong with your database"."""
    _posts(article, member, 30)
    _planner_says(monkeypatch, 20)
    client.force_login(staff)

    response = client.get("/admin/comments/comment/?p=3")

    assert response.status_code == 200
    assert "Post 0" in response.content.decode()  # the oldest post


def test_the_last_page_link_of_an_estimate_too_high_is_not_an_empty_page(
    client, staff, article, member, low_threshold, ten_a_page, monkeypatch
):
    """30 rows, the planner thinks 60: the moderator's link to the last page (6) shows the
    oldest posts, not an empty list under "about 60 comments"."""
    _posts(article, member, 30)
    _planner_says(monkeypatch, 60)
    client.force_login(staff)

    first = client.get("/admin/comments/comment/").content.decode()
    assert "Post 29" in first and 'href="?p=6"' in first  # the last page, as offered
    last = client.get("/admin/comments/comment/?p=6")

    assert last.status_code == 200
    page = last.content.decode()
    assert "Post 0" in page
    assert "30 comments" in page and "about" not in page.split('class="paginator"')[1]


@pytest.mark.skipif(not ON_POSTGRESQL, reason="the estimate is PostgreSQL's")
def test_an_article_filter_that_matches_nothing_is_an_empty_list_not_an_error(
    client, staff, article, member
):
    """ArticleFilter turns a value that is not a number into queryset.none(): the EXPLAIN of
    a query Django knows is empty runs no SQL, and the estimate must not break on that."""
    _posts(article, member, 3)
    client.force_login(staff)

    response = client.get("/admin/comments/comment/?article__id__exact=oops")

    assert response.status_code == 200


def test_the_estimate_of_a_query_known_to_be_empty_is_none_or_zero(monkeypatch):
    """The same on any database: Django never sends a query it knows is empty (none(), or
    `pk__in=[]`), so its EXPLAIN comes back as no text at all; on PostgreSQL json.loads("")
    then raised in every list whose filter made such a query (the test above)."""
    from django.db import connections

    queryset = Comment.objects.filter(article_id=1).none()
    monkeypatch.setattr(connections[queryset.db], "vendor", "postgresql")

    assert admin_paginator.estimated_count(queryset) in (None, 0)


def test_a_page_asked_for_before_the_count_is_cut_from_the_rows_not_the_estimate(
    article, member, low_threshold, monkeypatch
):
    """Outside the admin (which reads the count first), page() alone must see the estimate."""
    posts = _posts(article, member, 30)
    _planner_says(monkeypatch, 20)

    third = EstimatedCountPaginator(posts, 10).page(3)

    assert [post.body for post in third][-1] == "Post 0"
