"""Read replicas (kindred/replicas.py): which reads go to a copy of the primary.

The tests give the router a stand-in replica: a second alias for the test database itself (its
own connection to the same rows), so the connection each query went over says where it was
sent.
"""

import contextlib
import datetime
import re

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article
from config.env import env_database_replicas
from kindred import page_cache, replicas
from kindred.ports import free_port
from tests.conftest import signed_in

STAND_IN = "replica_stand_in"  # the test database again, over a connection of its own
DOWN = "replica_down"  # a replica that does not answer

pytestmark = pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, STAND_IN, DOWN])


def _add_alias(alias, config):
    """A database Django did not start with, as if DATABASES had named it."""
    primary = connections[DEFAULT_DB_ALIAS].settings_dict
    connections.settings[alias] = connections.configure_settings(
        {DEFAULT_DB_ALIAS: dict(primary), alias: config}
    )[alias]


def _forget_alias(alias):
    connection = connections[alias]
    if connection.connection is not None:
        connection.connection.close()  # SQLite's close() leaves an in-memory database open
    del connections[alias]
    del connections.settings[alias]


@pytest.fixture(scope="module", autouse=True)
def _replica_aliases(django_db_setup):
    primary = connections[DEFAULT_DB_ALIAS].settings_dict
    # Mirrors, as replicas are in tests: the test cases neither set up nor flush them.
    mirror = {"MIRROR": DEFAULT_DB_ALIAS}
    _add_alias(STAND_IN, {**primary, "OPTIONS": dict(primary["OPTIONS"]), "TEST": mirror})
    if primary["ENGINE"] == "django.db.backends.sqlite3":
        unreachable = {"NAME": "/nonexistent-folder/replica.sqlite3"}
    else:
        unreachable = {"PORT": free_port(), "OPTIONS": {"connect_timeout": 2}}
    _add_alias(DOWN, {**primary, "TEST": dict(mirror), **unreachable})
    yield
    _forget_alias(STAND_IN)
    _forget_alias(DOWN)


@pytest.fixture(autouse=True)
def _replicas(settings, monkeypatch):
    """The stand-in is the site's one replica; nothing is remembered as down from before."""
    settings.DATABASE_REPLICAS = [STAND_IN]
    settings.COMMENTS_READ_GATE = False  # the feeds answer, the thread shows
    monkeypatch.setattr(replicas, "_down_until", {})


@contextlib.contextmanager
def queries_on(*aliases):
    """The SQL each connection ran inside the block, by alias."""
    with contextlib.ExitStack() as stack:
        captured = {
            alias: stack.enter_context(CaptureQueriesContext(connections[alias]))
            for alias in aliases
        }
        ran = {}
        yield ran
    ran.update({alias: [q["sql"] for q in c.captured_queries] for alias, c in captured.items()})


def tables(queries):
    """The tables the queries read, e.g. {"articles_article", "comments_comment"}."""
    return {table for sql in queries for table in re.findall(r'FROM "(\w+)"', sql)}


# --- Who reads a replica --------------------------------------------------------------------


def test_an_anonymous_readers_article_page_is_read_from_the_replica(article, settings):
    settings.PAGE_CACHE_SECONDS = 0  # a page nobody keeps: the replica as it is

    with queries_on(DEFAULT_DB_ALIAS, STAND_IN) as ran:
        response = Client().get(article.get_absolute_url())

    assert response.status_code == 200 and article.title in response.content.decode()
    # The article, its reviewers and authors, the thread under it.
    assert {"articles_article", "articles_reviewer", "comments_comment"} <= tables(ran[STAND_IN])
    # Only the recent-articles sidebar reads the primary: it is kept under a stamp just read.
    assert tables(ran[DEFAULT_DB_ALIAS]) == {"articles_article"}


def test_members_and_guests_read_their_pages_from_the_primary(
    article, member, make_subscriber, guest_login, settings
):
    settings.PAGE_CACHE_SECONDS = 0
    guest = guest_login(Client(), make_subscriber())

    for reader in (signed_in(member), guest):
        with queries_on(STAND_IN) as ran:
            response = reader.get(article.get_absolute_url())
        assert response.status_code == 200
        assert ran[STAND_IN] == []


@pytest.mark.parametrize(
    "address",
    ["/feed/", "/comments/feed/", "/articles/living-well/comments/feed/", "/sitemap.xml"]
    + ["/search/?q=living"],
)
def test_feeds_the_sitemap_and_search_are_read_from_the_replica(article, address, settings):
    settings.PAGE_CACHE_SECONDS = 0

    with queries_on(DEFAULT_DB_ALIAS, STAND_IN) as ran:
        response = Client().get(address)

    assert response.status_code == 200
    assert "articles_article" in tables(ran[STAND_IN])
    assert "articles_article" not in tables(ran[DEFAULT_DB_ALIAS])


def test_without_replicas_every_page_reads_the_primary(article, settings):
    settings.DATABASE_REPLICAS = []
    settings.PAGE_CACHE_SECONDS = 0

    with queries_on(STAND_IN) as ran:
        assert Client().get(article.get_absolute_url()).status_code == 200

    assert ran[STAND_IN] == []


def test_the_admin_commands_and_tasks_read_the_primary(
    staff, make_article, make_subscriber, settings
):
    settings.PAGE_CACHE_SECONDS = 0
    make_subscriber(email="reader@example.org")
    due = make_article(
        title="Just out", published_at=timezone.now() - datetime.timedelta(minutes=1)
    )

    with queries_on(STAND_IN) as ran:
        assert signed_in(staff).get("/admin/articles/article/").status_code == 200
        # publish_due starts the newsletter, whose batch task runs at once (ImmediateBackend).
        call_command("publish_due", verbosity=0)

    assert [message.subject for message in mail.outbox] == [due.title]
    assert ran[STAND_IN] == []


# --- Within one request ---------------------------------------------------------------------


def _run(view, method="get"):
    """Call a view as a request without a session would reach it, with the SQL of each alias."""
    request = getattr(RequestFactory(), method)("/")
    with queries_on(DEFAULT_DB_ALIAS, STAND_IN) as ran:
        result = view(request)
    return result, ran


def test_once_a_request_writes_it_reads_the_primary(article):
    @replicas.replica_reads
    def read_write_read(request):
        Article.objects.count()
        Article.objects.filter(pk=article.pk).update(title="A new title")
        return Article.objects.get(pk=article.pk).title

    title, ran = _run(read_write_read)

    assert title == "A new title"
    assert [tables([sql]) for sql in ran[STAND_IN]] == [{"articles_article"}]  # the count
    assert [sql.split()[0] for sql in ran[DEFAULT_DB_ALIAS]] == ["UPDATE", "SELECT"]


def test_reads_in_a_transaction_on_the_primary_and_after_it_read_the_primary(article):
    @replicas.replica_reads
    def read_in_a_transaction(request):
        with transaction.atomic():
            Article.objects.count()
        Article.objects.count()

    _, ran = _run(read_in_a_transaction)

    assert ran[STAND_IN] == []
    assert [sql for sql in ran[DEFAULT_DB_ALIAS] if sql.startswith("SELECT")] == [
        'SELECT COUNT(*) AS "__count" FROM "articles_article"'
    ] * 2


def test_primary_reads_sends_only_its_own_reads_to_the_primary(article):
    @replicas.replica_reads
    def mixed(request):
        with replicas.primary_reads():
            Article.objects.count()
        Article.objects.exists()

    _, ran = _run(mixed)

    assert [sql.split()[1] for sql in ran[DEFAULT_DB_ALIAS]] == ["COUNT(*)"]
    assert len(ran[STAND_IN]) == 1


def test_a_post_reads_the_primary(article):
    @replicas.replica_reads
    def posted(request):
        return Article.objects.count()

    _, ran = _run(posted, method="post")

    assert ran[STAND_IN] == []


def test_replica_reads_must_sit_below_the_page_cache():
    cached = page_cache.cache_page(depends_on=lambda request: [])(lambda request: None)

    with pytest.raises(ImproperlyConfigured, match="below @cache_page"):
        replicas.replica_reads(cached)


# --- Pages the page cache keeps -------------------------------------------------------------


def test_a_page_to_keep_is_made_on_the_primary_when_the_replica_cannot_say_how_far_it_is(
    article,
):
    """The stand-in is no standby: asked how far it has replayed the primary (on PostgreSQL;
    on SQLite it is not even asked), it cannot say, so the page is made from the primary."""
    with queries_on(STAND_IN) as ran:
        first = Client().get(article.get_absolute_url())
        second = Client().get(article.get_absolute_url())

    assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("miss", "hit")
    assert tables(ran[STAND_IN]) == set()


def test_a_page_not_kept_at_its_address_is_read_from_the_replica(article):
    """`?c=` points a reader at one post: served, never stored, so the replica may make it."""
    with queries_on(STAND_IN) as ran:
        response = Client().get(f"{article.get_absolute_url()}?c=1")

    assert response.status_code == 200 and "X-Page-Cache" not in response
    assert "articles_article" in tables(ran[STAND_IN])


# --- A replica that fails -------------------------------------------------------------------


def _warnings(caplog):
    """What kindred.replicas logged, without the error's own words."""
    return [r.getMessage().split(" (")[0] for r in caplog.records if r.name == "kindred.replicas"]


def test_a_replica_that_does_not_answer_is_left_alone_and_pages_read_the_primary(
    article, settings, caplog
):
    settings.DATABASE_REPLICAS = [DOWN]
    settings.PAGE_CACHE_SECONDS = 0

    for _ in range(3):
        response = Client().get(article.get_absolute_url())
        assert response.status_code == 200 and article.title in response.content.decode()

    # Tried once: the other requests went straight to the primary.
    assert _warnings(caplog) == [f"Replica {DOWN} does not answer"]


def test_a_replica_query_that_fails_mid_page_makes_the_page_again_on_the_primary(
    article, settings, caplog
):
    settings.PAGE_CACHE_SECONDS = 0

    def table_not_there_yet(execute, sql, params, many, context):
        # As a replica a moment behind a migration would answer: no such table.
        return execute('SELECT * FROM "not_replayed_yet"', (), many, context)

    with connections[STAND_IN].execute_wrapper(table_not_there_yet):
        response = Client().get(article.get_absolute_url())

    assert response.status_code == 200 and article.title in response.content.decode()
    assert _warnings(caplog) == [f"Replica {STAND_IN} failed"]


# --- The setting ----------------------------------------------------------------------------


def test_each_replica_url_becomes_a_database_with_the_primarys_options(monkeypatch):
    primary = {"ENGINE": "django.db.backends.postgresql"}
    monkeypatch.setenv(
        "DATABASE_REPLICA_URLS",
        "postgres://kindred:pw@replica-a:5432/kindred, postgres://kindred:pw@replica-b/kindred"
        "?connect_timeout=5",
    )

    found = env_database_replicas("DATABASE_REPLICA_URLS", primary)

    assert list(found) == ["replica_1", "replica_2"]
    assert found["replica_1"]["HOST"] == "replica-a"
    assert found["replica_1"]["CONN_MAX_AGE"] == 60 and found["replica_1"]["CONN_HEALTH_CHECKS"]
    assert found["replica_1"]["OPTIONS"] == {"connect_timeout": 2}
    assert found["replica_2"]["OPTIONS"] == {"connect_timeout": 5}  # the URL's own
    assert found["replica_2"]["TEST"] == {"MIRROR": "default"}
