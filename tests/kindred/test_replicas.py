"""Read replicas (kindred/replicas.py): which reads go to a copy of the primary, and a real one.

The first tests give the router a stand-in replica: a second alias for the test database itself
(its own connection to the same rows), so the connection each query went over says where it
was sent. The last ones start a real streaming replica of the test database beside the
primary (PostgreSQL's pg_basebackup and a hot standby) and read old rows from it. They need a
PostgreSQL primary on this machine that accepts replication connections; elsewhere they are
skipped, saying why, unless REQUIRE_REPLICA=1 (as in .ci/run's PostgreSQL pass): then they fail.
pg_basebackup copies the whole cluster, every database on the server: about a second for an
empty one, some seconds a gigabyte.
"""

import contextlib
import datetime
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import publishing
from articles.models import Article
from config.env import env_database_replicas
from kindred import freshness, page_cache, replicas
from kindred.ports import free_port
from tests.conftest import signed_in

STAND_IN = "replica_stand_in"  # the test database again, over a connection of its own
DOWN = "replica_down"  # a replica that does not answer
REAL = "replica_1"  # the streaming replica, as DATABASE_REPLICA_URLS names it

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
    # A replica that stops answering fails within seconds, connecting or mid-query.
    assert found["replica_1"]["OPTIONS"]["connect_timeout"] == 2
    assert found["replica_1"]["OPTIONS"]["tcp_user_timeout"] == 5000
    assert found["replica_1"]["OPTIONS"]["keepalives"] == 1
    assert found["replica_2"]["OPTIONS"]["connect_timeout"] == 5  # the URL's own
    assert found["replica_2"]["TEST"] == {"MIRROR": "default"}


# --- A real streaming replica ---------------------------------------------------------------

REQUIRED = os.environ.get("REQUIRE_REPLICA") == "1"


def _cannot(reason):
    """Skip, saying why; fail instead where the replica tests are required (.ci/run)."""
    if REQUIRED:
        pytest.fail(f"REQUIRE_REPLICA=1, but {reason}")
    pytest.skip(reason)


class Standby:
    """A hot standby of the primary cluster, in a folder of its own, on a port of its own."""

    # Settings a hot standby needs at least as high as its primary's.
    AT_LEAST_THE_PRIMARYS = (
        "max_connections",
        "max_worker_processes",
        "max_wal_senders",
        "max_prepared_transactions",
        "max_locks_per_transaction",
    )

    def __init__(self, binaries, primary):
        self.binaries = binaries
        self.primary = primary
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="kindred-standby-"))
        self.data = self.folder / "data"
        self.log = self.folder / "standby.log"
        self.as_owner, self.owner = [], None
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            self.owner = pwd.getpwnam("postgres")
            self.as_owner = ["runuser", "-u", "postgres", "--"]
            self._give(self.folder)

    def _give(self, path):
        """A file written here (as root) goes to the user the standby runs as."""
        if self.owner is not None:
            os.chown(path, self.owner.pw_uid, self.owner.pw_gid)

    def _run(self, program, *args):
        return subprocess.run(  # noqa: S603 (PostgreSQL's own programs, our arguments)
            [*self.as_owner, str(self.binaries / program), *args],
            cwd=self.folder,
            env={**os.environ, "PGPASSWORD": self.primary["PASSWORD"] or ""},
            capture_output=True,
            text=True,
            timeout=120,
        )

    def copy_the_primary(self):
        """pg_basebackup: the whole cluster as it is now, with what a standby needs to follow
        it (-R: standby.signal, primary_conninfo), streaming the WAL written meanwhile."""
        backup = self._run(
            "pg_basebackup",
            *("-h", self.primary["HOST"] or "127.0.0.1", "-p", str(self.primary["PORT"] or 5432)),
            *("-U", self.primary["USER"] or "postgres", "-D", str(self.data)),
            *("-R", "-X", "stream", "--checkpoint=fast", "--no-sync", "--no-password"),
        )
        if "pg_hba.conf" in backup.stderr:
            _cannot(
                "PostgreSQL refuses replication connections from this machine: pg_hba.conf "
                "needs `host replication <user> 127.0.0.1/32 trust` (.ci/run adds it): "
                + backup.stderr.strip()
            )
        if backup.returncode:
            pytest.fail(f"pg_basebackup failed: {backup.stderr}")

    def start(self, primary_settings):
        # Debian keeps the configuration out of the data folder: the standby gets its own.
        hba, ident, conf = (
            self.folder / "pg_hba.conf",
            self.folder / "pg_ident.conf",
            self.data / "postgresql.conf",
        )
        hba.write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
        ident.write_text("")
        lines = [
            f"port = {self.port}",
            "listen_addresses = '127.0.0.1'",
            f"unix_socket_directories = '{self.folder}'",
            f"hba_file = '{self.folder}/pg_hba.conf'",
            f"ident_file = '{self.folder}/pg_ident.conf'",
            "external_pid_file = ''",
            "ssl = off",
            "hot_standby = on",
            "shared_buffers = 16MB",
            "fsync = off",
            *(f"{name} = {primary_settings[name]}" for name in self.AT_LEAST_THE_PRIMARYS),
        ]
        with conf.open("a") as settings:  # after any the copy brought: these win
            settings.write("\n# kindred's test standby\n" + "\n".join(lines) + "\n")
        for path in (hba, ident, conf):
            self._give(path)
        started = self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "start")
        if started.returncode:
            pytest.fail(f"the standby did not start: {started.stderr}\n{self.log.read_text()}")

    def fetch(self, sql, params=()):
        with psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user=self.primary["USER"] or "postgres",
            password=self.primary["PASSWORD"] or None,
            dbname=self.primary["NAME"],
            autocommit=True,
        ) as conn:
            return conn.execute(sql, params).fetchone()

    def wait_until_replayed(self, seconds=30):
        """Until the standby has replayed all the primary has written so far."""
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_insert_lsn()::text")
            (position,) = cursor.fetchone()
        deadline = time.monotonic() + seconds
        while not self.fetch("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [position])[0]:
            if time.monotonic() > deadline:
                pytest.fail(f"the standby did not replay up to {position} in {seconds} s")
            time.sleep(0.05)

    def pause_replay(self):
        # From now on no record is replayed (its state is "pause requested" until WAL comes).
        self.fetch("SELECT pg_wal_replay_pause()")

    def resume_replay(self):
        self.fetch("SELECT pg_wal_replay_resume()")

    def stop(self):
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


def _server_binaries(major):
    for folder in (Path(f"/usr/lib/postgresql/{major}/bin"), Path(f"/usr/pgsql-{major}/bin")):
        if (folder / "pg_basebackup").exists() and (folder / "pg_ctl").exists():
            return folder
    found = shutil.which("pg_basebackup")
    return Path(found).parent if found and (Path(found).parent / "pg_ctl").exists() else None


@pytest.fixture(scope="module")
def standby(_replica_aliases, django_db_blocker):
    """A streaming replica of the test database (made on the primary by django_db_setup
    before this copies it), DATABASE_REPLICA_URLS's "replica_1"; stopped and removed at the
    end of the module."""
    primary = connections[DEFAULT_DB_ALIAS].settings_dict
    if primary["ENGINE"] != "django.db.backends.postgresql":
        _cannot("DATABASE_URL is not PostgreSQL: a streaming replica needs a PostgreSQL primary")
    if (primary["HOST"] or "127.0.0.1") not in {"127.0.0.1", "localhost", "::1"}:
        _cannot(f"the primary ({primary['HOST']}) is not on this machine, beside the standby")
    with django_db_blocker.unblock(), connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        major = int(cursor.fetchone()[0]) // 10000
        primary_settings = {}
        for name in Standby.AT_LEAST_THE_PRIMARYS:
            cursor.execute(f"SHOW {name}")
            primary_settings[name] = cursor.fetchone()[0]
    binaries = _server_binaries(major)
    if binaries is None:
        _cannot(f"PostgreSQL {major}'s pg_basebackup and pg_ctl are not installed here")
    if os.geteuid() == 0 and not _has_user("postgres"):
        _cannot("the tests run as root and there is no postgres user to run the standby")

    server = Standby(binaries, primary)
    try:
        server.copy_the_primary()
        server.start(primary_settings)
        credentials = quote(primary["USER"] or "postgres", safe="")
        if primary["PASSWORD"]:
            credentials += ":" + quote(primary["PASSWORD"], safe="")
        url = f"postgres://{credentials}@127.0.0.1:{server.port}/{quote(primary['NAME'], safe='')}"
        with pytest.MonkeyPatch.context() as env:
            env.setenv("DATABASE_REPLICA_URLS", url)
            (config,) = env_database_replicas("DATABASE_REPLICA_URLS", primary).values()
        _add_alias(REAL, config)
        yield server
        _forget_alias(REAL)
    finally:
        server.stop()


def _has_user(name):
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


@pytest.fixture
def replica(standby, settings):
    """The streaming replica as the site's one replica, replaying; resumed after each test."""
    settings.DATABASE_REPLICAS = [REAL]
    yield standby
    standby.resume_replay()


on_the_real_replica = pytest.mark.django_db(
    transaction=True, databases=[DEFAULT_DB_ALIAS, STAND_IN, DOWN, REAL]
)


@on_the_real_replica
def test_a_row_written_on_the_primary_shows_on_the_replica_a_moment_later(replica, make_article):
    article = make_article(title="Written on the primary")

    replica.wait_until_replayed(seconds=10)

    sql = "SELECT title FROM articles_article WHERE id = %s"
    assert replica.fetch(sql, [article.pk]) == ("Written on the primary",)


@on_the_real_replica
def test_anonymous_readers_read_the_replica_and_members_the_primary(
    replica, make_article, member, settings
):
    settings.PAGE_CACHE_SECONDS = 0  # pages nobody keeps: the replica as it is
    article = make_article(title="The title as it was")
    replica.wait_until_replayed()
    replica.pause_replay()  # the replica now stays behind, for as long as the test needs

    article.title = "The title as it is now"
    publishing.save_article(article)
    with queries_on(REAL) as ran:
        anonymous = Client().get(article.get_absolute_url()).content.decode()
    members = signed_in(member).get(article.get_absolute_url()).content.decode()

    assert "The title as it was" in anonymous and "The title as it is now" not in anonymous
    assert "articles_article" in tables(ran[REAL])
    assert "The title as it is now" in members

    replica.resume_replay()
    replica.wait_until_replayed()
    assert "The title as it is now" in Client().get(article.get_absolute_url()).content.decode()


@on_the_real_replica
def test_the_page_cache_keeps_no_page_older_than_its_stamp(replica, make_article):
    """A page the cache keeps is made on the replica only when it has caught up with the
    primary: a replica behind (replay paused) leaves it to the primary."""
    article = make_article(title="The title as it was")
    replica.wait_until_replayed()
    replica.pause_replay()

    article.title = "The title as it is now"
    publishing.save_article(article)  # moves the page's counters: the next reader makes it
    with queries_on(REAL) as ran:
        made = Client().get(article.get_absolute_url())
    kept = Client().get(article.get_absolute_url())

    assert made["X-Page-Cache"] == "miss" and kept["X-Page-Cache"] == "hit"
    assert "The title as it is now" in kept.content.decode()
    # The replica was asked only how far it had replayed, and read nothing.
    assert [tables([sql]) for sql in ran[REAL]] == [set()]


@on_the_real_replica
def test_a_replica_that_has_caught_up_makes_the_pages_the_cache_keeps(replica, make_article):
    article = make_article(title="Read from the replica")
    replica.resume_replay()

    # The primary serves other databases too: their writes may keep the replica a few
    # milliseconds behind at the moment a page is made, and that page is then made on the
    # primary. A few tries give a moment with nothing new to replay.
    for _ in range(50):
        freshness.site_changed()  # as `forget_cached_pages` does: every page made again
        replica.wait_until_replayed()
        with queries_on(REAL) as ran:
            response = Client().get(article.get_absolute_url())
        assert response["X-Page-Cache"] == "miss"
        if "articles_article" in tables(ran[REAL]):
            break
    else:
        pytest.fail("no page was made on the replica, though it had replayed everything")
    assert "Read from the replica" in response.content.decode()
