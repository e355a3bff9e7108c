"""The moderators' lists in the admin on a big site: each read off its index, in its order, to
the page; no query per row; the article filter and the search without reading every post."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from comments.models import Ban, Comment, ModerationAction, Report

pytestmark = pytest.mark.django_db
ON_POSTGRESQL = connection.vendor == "postgresql"
on_postgresql = pytest.mark.skipif(not ON_POSTGRESQL, reason="the plans are PostgreSQL's")


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def posts(article, member, make_subscriber, make_comment):
    """A few posts in each state, one reported, one with a sensitive picture's flag."""
    guest = make_subscriber(name="Sample Ines Guest")
    made = {}
    for status in ("published", "pending", "awaiting", "rejected", "spam", "removed"):
        made[status] = make_comment(article, member, body=f"A {status} post", status=status)
    made["guest"] = make_comment(article, guest, body="Thank you for the physiotherapy tips")
    reported = made["published"]
    Report.objects.create(comment=reported, reporter_user=member, reason="abuse", counts=True)
    Comment.objects.filter(pk=reported.pk).update(report_count=1)
    Comment.objects.filter(pk=made["guest"].pk).update(is_picture_sensitive=True)
    ModerationAction.objects.create(action="reject", subject="A post")
    return made


def _plan_of_the_list(client, url, table, select="", off=("seqscan", "sort", "bitmapscan")):
    """EXPLAIN of the page's query of its rows (the one that starts with `select`, by default
    the table's rows in order), as PostgreSQL would plan it on a big table (sequential scans
    and sorts priced out: the test tables are tiny)."""
    select = select or f'SELECT "{table}"."id", '
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    [sql] = [q["sql"] for q in queries if q["sql"].startswith(select) and "ORDER BY" in q["sql"]]
    return _plan(sql, off)


def _plan(sql, off):
    with connection.cursor() as cursor:
        for method in off:
            cursor.execute(f"SET LOCAL enable_{method} = off")
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


LISTS = [
    ("/admin/comments/comment/", "comment_admin_order_idx"),
    ("/admin/comments/comment/?p=1", "comment_admin_order_idx"),
    ("/admin/comments/comment/?queue=pending", "comment_waiting_idx"),
    ("/admin/comments/comment/?queue=reported", "comment_reported_idx"),
    ("/admin/comments/comment/?queue=awaiting", "comment_queue_idx"),
    ("/admin/comments/comment/?queue=rejected", "comment_queue_idx"),
    ("/admin/comments/comment/?queue=spam", "comment_queue_idx"),
    ("/admin/comments/comment/?status__exact=published", "comment_queue_idx"),
    # The urgent posts are in the waiting queue's index too (read either way).
    ("/admin/comments/comment/?is_urgent__exact=1", "comment_(admin_order|waiting)_idx"),
    ("/admin/comments/comment/?is_picture_sensitive__exact=1", "comment_sensitive_idx"),
    ("/admin/comments/comment/?article__id__exact={article}", "comment_article_admin_idx"),
]


@on_postgresql
@pytest.mark.parametrize(("address", "index"), LISTS)
def test_each_list_of_posts_is_read_off_its_index(staff_client, posts, article, address, index):
    plan = _plan_of_the_list(staff_client, address.format(article=article.pk), "comments_comment")
    assert re.search(f"using {index}", plan.lower())
    assert "Sort Key" not in plan  # the index gives the order: no sort of the whole list


@on_postgresql
@pytest.mark.parametrize(
    ("address", "table", "index"),
    [
        ("/admin/comments/moderationaction/", "comments_moderationaction", "audit_log_order_idx"),
        (
            "/admin/comments/moderationaction/?action=reject",
            "comments_moderationaction",
            "audit_log_action_idx",
        ),
        ("/admin/accounts/user/", "accounts_user", "user_joined_idx"),
        ("/admin/accounts/user/?is_active__exact=0", "accounts_user", "user_inactive_idx"),
        ("/admin/accounts/user/?is_staff__exact=1", "accounts_user", "user_staff_idx"),
    ],
)
def test_the_audit_log_and_members_are_read_off_their_indexes(
    staff_client, posts, address, table, index
):
    plan = _plan_of_the_list(staff_client, address, table)
    assert f"using {index}" in plan.lower() and "Sort Key" not in plan


@on_postgresql
def test_a_search_for_a_word_reads_the_trigram_index(staff_client, posts):
    # On a big table the planner reads the trigram index for a word few posts have, and the
    # list's order for a word many have; here only the trigram one may be read.
    plan = _plan_of_the_list(
        staff_client, "/admin/comments/comment/?q=physiotherapy", "comments_comment",
        off=("seqscan", "indexscan"),
    )  # fmt: skip
    assert "Bitmap Index Scan on comment_body_trgm_idx" in plan


@on_postgresql
def test_the_admin_index_counts_from_the_lists_indexes(posts):
    from comments.templatetags import moderation

    with CaptureQueriesContext(connection) as queries:
        counts = moderation.moderation_counts()
    assert counts == {"pending": 1, "urgent": 0, "awaiting": 1, "reported": 1, "appeals": 0}
    plan = _plan(queries[0]["sql"], off=("seqscan",))
    for index in ("comment_waiting_idx", "comment_queue_idx", "comment_reported_idx"):
        assert index in plan
    assert "Seq Scan on comments_comment" not in plan


def test_the_admin_index_counts_each_list(staff_client, posts):
    page = staff_client.get("/admin/").content.decode()
    assert 'queue=pending">Waiting for review</a></th><td>1<' in page
    assert 'queue=reported">Reported by readers</a></th><td>1<' in page
    assert 'queue=awaiting">Awaiting email confirmation</a></th><td>1<' in page


@on_postgresql
def test_a_page_of_the_thread_and_its_counts_are_read_off_their_indexes(
    client, member, article, posts
):
    client.force_login(member)
    top_level = 'SELECT "comments_comment"."id" AS "pk" FROM'
    plan = _plan_of_the_list(client, article.get_absolute_url(), "comments_comment", top_level)
    assert "comment_page_idx" in plan and "Sort Key" not in plan
    with CaptureQueriesContext(connection) as queries:
        client.get(article.get_absolute_url())
    # The counts read only columns comment_thread_idx holds: on a vacuumed table they are
    # answered from the index alone (an index-only scan, as bench/scale.py measures).
    [counts] = [q["sql"] for q in queries if 'AS "top_level"' in q["sql"]]
    read = set(re.findall(r'"comments_comment"\."(\w+)"', counts))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a "
            "ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
            "WHERE i.indexrelid = 'comment_thread_idx'::regclass"
        )
        held = {row[0] for row in cursor.fetchall()}
    assert read and read <= held


@on_postgresql
def test_the_migrations_make_every_index_of_the_lists():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")
        made = {row[0] for row in cursor.fetchall()}
    assert {
        *("comment_admin_order_idx", "comment_queue_idx", "comment_waiting_idx"),
        *("comment_reported_idx", "comment_article_admin_idx", "comment_sensitive_idx"),
        *("comment_author_idx", "comment_thread_idx", "comment_page_idx", "comment_feed_idx"),
        *("comment_body_trgm_idx", "report_open_idx", "audit_log_order_idx"),
        *("audit_log_action_idx", "ban_until_idx", "user_joined_idx", "user_staff_idx"),
        *("user_inactive_idx", "subscriber_created_idx", "user_display_name_trgm_idx"),
        *("subscriber_name_trgm_idx", "article_listing_idx", "article_admin_order_idx"),
        *("article_search_idx", "article_search_es_idx"),
    } <= made


@pytest.mark.parametrize("count", [2, 12])
def test_the_ban_list_costs_the_same_queries_for_2_bans_or_12(
    staff_client, django_user_model, count, django_assert_num_queries
):
    for n in range(count):
        user = django_user_model.objects.create_user(
            email=f"banned{n}@example.org", password="a-long-test-password", display_name=f"B {n}"
        )
        Ban.objects.create(user=user, email_hash=f"hash-{n}", reason="Spam")
    staff_client.get("/admin/comments/ban/")
    # 1 session, 2 the staff member, 3 their authenticators, 4 the paginator's count, 5 the
    # bans with their members and who made them (one query, not one per row), 6-7 the
    # filter's and the action bar's.
    with django_assert_num_queries(7):
        response = staff_client.get("/admin/comments/ban/")
    assert len(response.context["cl"].result_list) == count


def test_the_article_filter_offers_the_latest_articles_and_the_chosen_one(
    staff_client, make_article, posts, article
):
    now = timezone.now()
    latest = [
        make_article(title=f"Latest number {n}", published_at=now - timedelta(hours=20 - n))
        for n in range(16)
    ]
    page = staff_client.get("/admin/comments/comment/").content.decode()
    assert "Latest number 15" in page and "Latest number 1<" in page
    assert "Latest number 0" not in page  # the sixteenth newest: not offered
    chosen = f"/admin/comments/comment/?article__id__exact={latest[0].pk}"
    page = staff_client.get(chosen).content.decode()
    assert "Latest number 0" in page and "0 comments" in page
    on_article = staff_client.get(f"/admin/comments/comment/?article__id__exact={article.pk}")
    assert "7 comments" in on_article.content.decode()


@pytest.mark.parametrize(
    ("words", "found"),
    [
        ("physiotherapy", {"guest"}),
        ("PHYSIO tips", {"guest"}),
        ("ines", {"guest"}),  # the guest's name
        ("Sample Member", {"published", "pending", "awaiting", "rejected", "spam", "removed"}),
        ('"spam post"', {"spam"}),
        ("sample spam", {"spam"}),  # the author's name and a word of the post
        ("nobody-writes-this", set()),
    ],
)
def test_the_search_finds_words_of_posts_and_names_of_authors(staff_client, posts, words, found):
    response = staff_client.get("/admin/comments/comment/", {"q": words})
    shown = {post.pk for post in response.context["cl"].result_list}
    assert shown == {posts[name].pk for name in found}


def test_the_audit_log_filter_offers_every_action_without_reading_the_log(staff_client):
    """A DISTINCT over the whole log, on every page view, grew with a log that only grows."""
    with CaptureQueriesContext(connection) as queries:
        response = staff_client.get("/admin/comments/moderationaction/")
    assert not [q["sql"] for q in queries if "DISTINCT" in q["sql"].upper()]
    filter_, *_ = response.context["cl"].filter_specs
    offered = [title for _, title in filter_.lookup_choices]
    assert "reject" in offered and "appeal sent" in offered  # none of them in the log yet
    assert offered == sorted(offered)
