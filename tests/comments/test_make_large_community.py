"""`manage.py make_large_community`: the bench's large data set, made here at a tiny size.

The command writes with COPY on PostgreSQL and plain INSERTs on SQLite (--allow-sqlite), so
these tests run on both: the rows it makes are the same on either.
"""

import io
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, F
from django.test import Client

from accounts.models import Subscriber, User
from articles.models import Article
from comments.models import Ban, Comment, Hug, ModerationAction, Report
from comments.text import render_comment_text

pytestmark = pytest.mark.django_db

TINY = (
    *("--articles", "5", "--comments", "300", "--members", "50", "--subscribers", "40"),
    *("--big-threads", "1", "--big-thread-size", "100", "--allow-sqlite", "--no-progress"),
)


def _make(*args):
    out = io.StringIO()
    call_command("make_large_community", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def _share(part, whole):
    return part / whole if whole else 0


def test_it_makes_the_counts_asked_for_in_a_communitys_shares():
    said = _make(*TINY)

    assert "comments" in said and "Done in" in said  # each stage and its time
    assert Article.objects.count() == 5
    assert User.objects.count() == 50
    assert Subscriber.objects.count() == 40
    comments = Comment.objects.all()
    assert comments.count() == 300
    threads = Counter(comments.values_list("article_id", flat=True))
    assert max(threads.values()) == 100  # the big thread
    statuses = Counter(comments.values_list("status", flat=True))
    assert 0.85 < _share(statuses[Comment.Status.PUBLISHED], 300) < 0.97
    assert set(statuses) <= set(Comment.Status.values)
    assert 0.2 < _share(comments.exclude(parent=None).count(), 300) < 0.4
    assert 0.1 < _share(comments.filter(hug_count__gt=0).count(), 300) < 0.3
    assert comments.exclude(author_subscriber=None).exists()  # some guests
    assert Hug.objects.count() > comments.filter(hug_count__gt=0).count()  # several a post
    assert Ban.objects.filter(user__isnull=False).count() >= 1
    subscribers = Subscriber.objects.all()
    assert 0.65 < _share(subscribers.exclude(confirmed_at=None).count(), 40) < 0.95
    assert 0.4 < _share(subscribers.exclude(newsletter_at=None).count(), 40) < 0.8
    assert subscribers.exclude(unsubscribed_at=None).filter(newsletter_at=None).exists()
    assert subscribers.filter(language="es").exists()
    assert subscribers.exclude(user=None).exists()  # members' own subscriptions
    languages = Counter(User.objects.values_list("language", flat=True))
    assert languages["en"] > languages["es"] > 0


def test_every_derived_field_agrees_with_its_source():
    _make(*TINY)

    comments = list(Comment.objects.select_related("parent", "author_user", "article"))
    by_pk = {c.pk: c for c in comments}
    for comment in comments:
        if comment.status == Comment.Status.REMOVED:  # as comments/posting.py empties it
            assert comment.body == comment.body_html == ""
        else:
            assert comment.body_html == render_comment_text(comment.body)
        if comment.parent_id:
            parent = comment.parent
            assert parent.article_id == comment.article_id
            assert comment.root_id == (parent.root_id or parent.pk)
            assert comment.depth == parent.depth + 1
            assert comment.created_at >= parent.created_at
            assert parent.members_only <= comment.members_only  # a reply under one is too
        else:
            assert comment.root_id is None and comment.depth == 0
        assert comment.depth < 3  # within the display depth
        if comment.author_user_id:
            assert comment.created_at >= comment.author_user.date_joined
        assert comment.created_at >= comment.article.published_at
    hugs = dict(Hug.objects.values_list("comment").annotate(n=Count("pk")))
    reports = dict(Report.objects.values_list("comment").annotate(n=Count("pk")))
    for comment in comments:
        assert comment.hug_count == hugs.get(comment.pk, 0)
        assert comment.report_count == reports.get(comment.pk, 0)
    assert not Hug.objects.filter(user=F("comment__author_user")).exists()  # not one's own
    assert not Hug.objects.exclude(comment__status=Comment.Status.PUBLISHED).exists()
    assert not Report.objects.filter(reporter_user=F("comment__author_user")).exists()
    banned = Ban.objects.exclude(user=None).values("user")
    waiting = [Comment.Status.PENDING, Comment.Status.AWAITING_EMAIL]
    assert not Comment.objects.filter(author_user__in=banned, status__in=waiting).exists()
    assert all(by_pk[pk].status == Comment.Status.REJECTED for pk in _rejected_at_a_ban())
    assert not Comment.objects.filter(members_only=True, author_user=None, parent=None).exists()
    pinned = Counter(Comment.objects.filter(is_pinned=True).values_list("article", flat=True))
    assert set(pinned.values()) <= {1}


def _rejected_at_a_ban():
    log = ModerationAction.objects.filter(action="reject (author banned)")
    return log.values_list("comment_id", flat=True)


def test_it_is_sample_data_that_nobody_can_use_or_be_mailed_by():
    _make(*TINY)

    assert all(email.endswith("@large.bench.example") for email in _emails())
    assert not any(user.has_usable_password() for user in User.objects.all())
    assert all(u.emailaddress_set.get().verified for u in User.objects.all()[:5])
    assert all(Article.objects.values_list("is_sample", flat=True))
    assert not Article.objects.filter(newsletter=True).exists()
    assert all(
        name.startswith("Bench ") for name in User.objects.values_list("display_name", flat=True)
    )


def _emails():
    yield from User.objects.values_list("email", flat=True)
    yield from Subscriber.objects.values_list("email", flat=True)


def test_the_big_thread_and_a_members_profile_show(settings):
    settings.COMMENTS_READ_GATE = False  # anonymous readers see the thread
    _make(*TINY)
    biggest = (
        Article.objects.annotate(n=Count("comments")).order_by("-n").first()
    )  # the big thread's article

    page = Client().get(biggest.get_absolute_url())

    assert page.status_code == 200
    assert page.content.count(b'class="comment"') >= 20  # a page of top-level posts
    member = (
        User.objects.filter(profile_public=True, is_active=True)
        .annotate(posts=Count("comments"))
        .order_by("-posts")
        .first()
    )
    profile = Client().get(f"/members/{member.handle}/")
    assert profile.status_code == 200
    assert member.display_name in profile.content.decode()


def test_a_second_run_refuses_and_changes_nothing():
    _make(*TINY)

    with pytest.raises(CommandError, match="Bench data exists already"):
        _make(*TINY)
    assert Comment.objects.count() == 300
    assert User.objects.count() == 50


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the refusal of SQLite itself")
def test_sqlite_is_refused_without_allow_sqlite():
    with pytest.raises(CommandError, match="PostgreSQL only"):
        _make("--articles", "1", "--comments", "0", "--members", "1", "--subscribers", "0")
    assert not User.objects.exists()


def test_counts_that_do_not_fit_are_refused():
    with pytest.raises(CommandError, match="need 40,000 comments"):
        _make("--comments", "100", "--big-threads", "2", "--allow-sqlite")
    assert not Article.objects.exists()
