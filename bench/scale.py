"""Benchmark (never part of `make test`): the cost of each page on a demo-sized community and on
a large one, in one run, side by side (issue 17 point 2: cost that does not grow with the data).

    make bench-scale            # or: .venv/bin/python bench/scale.py [--rounds 15] [--only NAME]

Both sets are PostgreSQL databases at 127.0.0.1:5432 (user postgres, trust auth):

- the demo set, `kindred_bench_demo`, made afresh by every run and dropped at its end:
  `load_demo` (7 articles) and `make_large_community` at demo size (DEMO_COMMUNITY below: 10
  articles, 5,000 comments with one thread of 500, 1,000 members and 1,000 subscribers, with
  the hugs, reports, bans and audit log in the same shares as the large set);
- the large set, `kindred_large` (2,000 articles, 1,000,000 comments with three threads of
  20,000, 100,000 members and 100,000 subscribers). When it is missing it is made
  (createdb, migrate, make_large_community: about 70 s on two cores); when it is there it is
  migrated forward (this branch's indexes), never changed otherwise.

Each set is served by a worker process of its own (this file with --worker), with the same
settings: DEBUG off, no Redis (local-memory caches), the page cache off (PAGE_CACHE_SECONDS=0:
every figure is the page made, not a cache hit), fragments cache on as in production. A worker
makes its visitors (a staff member with an authenticator, whose session gave its code; the
busiest member, signed in) inside one transaction that it rolls back at the end, so the
databases keep nothing of the run. The parent asks the two workers in turn, page by page, two
passes each, so the load of other programs on the machine falls on both alike.

For each page: the Django test client's median time over the passes' requests (after a
warm-up request), and its number of queries. The table's ratio is large / demo; the target is
at most 1.5 and the same number of queries.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
POSTGRES = "postgres://postgres@127.0.0.1:5432"
DEMO_DATABASE = "kindred_bench_demo"
LARGE_DATABASE = "kindred_large"
SECRET_KEY = "bench-only-secret-key-not-for-production-0123456789"  # noqa: S105 - bench only
# make_large_community's options for the demo set: the large set's shape at demo size.
DEMO_COMMUNITY = (
    *("--articles", "10", "--comments", "5000", "--members", "1000", "--subscribers", "1000"),
    *("--big-threads", "1", "--big-thread-size", "500"),
)
TARGET_RATIO = 1.5
PASSES = 2
PASS_SECONDS = 3.0  # a pass of a page stops after this long (at least MIN_ROUNDS requests)
MIN_ROUNDS = 3


def fail(message):
    sys.exit(f"bench/scale: {message}")


# --- The pages --------------------------------------------------------------------------------


class Page(NamedTuple):
    name: str
    who: str  # "anonymous", "member" (the busiest poster, signed in) or "staff"
    address: str  # {placeholders} are filled in by the worker from its set (_visitors)
    settings: dict = {}  # noqa: RUF012 - read only; the settings it is measured with
    headers: dict = {}  # noqa: RUF012 - read only; the request's headers


PAGES = [
    Page("article, anonymous", "anonymous", "/articles/{big_slug}/"),
    Page("article, member", "member", "/articles/{big_slug}/"),
    Page("thread, last page, member", "member", "/articles/{big_slug}/?cpage={last_page}"),
    Page("post link /c/<id>/ (old reply)", "member", "/c/{old_reply}/"),
    Page("home", "anonymous", "/"),
    Page("home, last page", "anonymous", "/?page=last"),
    Page("sitemap.xml", "anonymous", "/sitemap.xml"),
    Page("feed/ (articles)", "anonymous", "/feed/"),
    # With the read gate on (the default) the comment feeds are a 404: measured with it off.
    Page(
        "comments/feed/ (gate off)", "anonymous", "/comments/feed/", {"COMMENTS_READ_GATE": False}
    ),
    Page(
        "article's comment feed (gate off)",
        "anonymous",
        "/articles/{big_slug}/comments/feed/",
        {"COMMENTS_READ_GATE": False},
    ),
    Page("member profile", "anonymous", "/members/{handle}/"),
    Page("account/posts/", "member", "/account/posts/"),
    Page("search ?q=walk", "anonymous", "/search/?q=walk"),
    Page("search ?q=walk, es", "anonymous", "/search/?q=walk", {}, {"Accept-Language": "es"}),
    Page("admin index", "staff", "/admin/"),
    Page("admin comments", "staff", "/admin/comments/comment/"),
    Page("admin comments, page 3", "staff", "/admin/comments/comment/?p=3"),
    Page("admin comments ?queue=pending", "staff", "/admin/comments/comment/?queue=pending"),
    Page("admin comments ?queue=reported", "staff", "/admin/comments/comment/?queue=reported"),
    Page("admin comments ?queue=awaiting", "staff", "/admin/comments/comment/?queue=awaiting"),
    Page("admin comments ?queue=rejected", "staff", "/admin/comments/comment/?queue=rejected"),
    Page("admin comments ?queue=spam", "staff", "/admin/comments/comment/?queue=spam"),
    Page(
        "admin comments ?status=published",
        "staff",
        "/admin/comments/comment/?status__exact=published",
    ),
    Page(
        "admin comments ?status=removed",
        "staff",
        "/admin/comments/comment/?status__exact=removed",
    ),
    Page("admin comments ?is_urgent=1", "staff", "/admin/comments/comment/?is_urgent__exact=1"),
    Page(
        "admin comments ?sensitive=1",
        "staff",
        "/admin/comments/comment/?is_picture_sensitive__exact=1",
    ),
    Page(
        "admin comments ?article=big",
        "staff",
        "/admin/comments/comment/?article__id__exact={big_article}",
    ),
    Page("admin comments ?q=word", "staff", "/admin/comments/comment/?q=appointment"),
    Page("admin audit log", "staff", "/admin/comments/moderationaction/"),
    Page(
        "admin audit log ?action=reject",
        "staff",
        "/admin/comments/moderationaction/?action=reject",
    ),
    Page("admin bans", "staff", "/admin/comments/ban/"),
    Page("admin subscribers", "staff", "/admin/accounts/subscriber/"),
    Page(
        "admin subscribers ?confirmed=yes",
        "staff",
        "/admin/accounts/subscriber/?confirmed=yes",
    ),
    Page("admin members", "staff", "/admin/accounts/user/"),
    Page("admin members ?is_active=0", "staff", "/admin/accounts/user/?is_active__exact=0"),
    Page("admin articles", "staff", "/admin/articles/article/"),
]


# --- The parent: the databases, the two workers, the table --------------------------------------


def _environment(database, media_root):
    env = dict(os.environ)
    for name in ("REDIS_URL", "BIND", "PORT", "MEDIA_STORAGE", "PUBLIC_CACHE_SECONDS"):
        env.pop(name, None)  # a deployment's settings must not leak into the bench
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "0",
            "SECRET_KEY": SECRET_KEY,
            "ALLOWED_HOSTS": "testserver",
            "DATABASE_URL": f"{POSTGRES}/{database}",
            "MEDIA_ROOT": str(media_root),
            "PAGE_CACHE_SECONDS": "0",
            "REQUEST_LOG": "0",
            "TASKS_BACKEND": "immediate",
            "EMAIL_URL": "console://",
        }
    )
    return env


def _manage(env, *args, check=True):
    """A manage.py command in a child process; stops the bench with its error's tail."""
    result = subprocess.run(  # noqa: S603 - our own program and arguments
        [PYTHON, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if check and result.returncode:
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-15:])
        fail(f"manage.py {' '.join(args)} failed:\n{tail}")
    return result


def _server():
    import psycopg

    try:
        return psycopg.connect(f"{POSTGRES}/postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        fail(f"PostgreSQL at 127.0.0.1:5432 (user postgres) is not answering: {error}")


def _exists(database):
    with _server() as server:
        found = server.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database])
        return found.fetchone() is not None


def _drop(database):
    with _server() as server:
        server.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _create(database):
    with _server() as server:
        server.execute(f'CREATE DATABASE "{database}"')


def _say(message):
    print(f"bench/scale: {message}", flush=True)


def make_demo_set(env):
    began = time.monotonic()
    _drop(DEMO_DATABASE)
    _create(DEMO_DATABASE)
    _manage(env, "migrate", "--noinput")
    _manage(env, "load_demo")
    _manage(env, "make_large_community", "--no-progress", *DEMO_COMMUNITY)
    _say(f"demo set {DEMO_DATABASE} made in {time.monotonic() - began:.0f} s")


def ready_large_set(env):
    """kindred_large, made when missing, else migrated forward (and analysed when a migration
    ran: new indexes want the planner's statistics)."""
    if not _exists(LARGE_DATABASE):
        _say(
            f"{LARGE_DATABASE} is missing: making it now (createdb, migrate, "
            "make_large_community: about 70 s on two cores, 1.2 GB)"
        )
        began = time.monotonic()
        _create(LARGE_DATABASE)
        _manage(env, "migrate", "--noinput")
        _manage(env, "make_large_community", "--no-progress")
        _say(f"{LARGE_DATABASE} made in {time.monotonic() - began:.0f} s")
        return
    if _manage(env, "migrate", "--check", check=False).returncode == 0:
        return
    _say(f"{LARGE_DATABASE}: applying this branch's migrations (its data stays as it is)")
    _manage(env, "migrate", "--noinput")
    import psycopg

    with psycopg.connect(f"{POSTGRES}/{LARGE_DATABASE}", autocommit=True) as large:
        large.execute("ANALYZE")


class Worker:
    """One set's worker process: asked a page at a time, over its standard input and output."""

    def __init__(self, name, env):
        self.name = name
        self.process = subprocess.Popen(  # noqa: S603 - our own program
            [PYTHON, str(Path(__file__).resolve()), "--worker"],
            env=env,
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.facts = self._read()

    def _read(self):
        line = self.process.stdout.readline()
        if not line:
            fail(f"the {self.name} worker stopped (its error is above)")
        return json.loads(line)

    def ask(self, **request):
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        answer = self._read()
        if "error" in answer:
            fail(f"{self.name} set, {request.get('page')}: {answer['error']}")
        return answer

    def stop(self):
        self.process.stdin.close()
        self.process.wait(timeout=60)


def _table(rows):
    head = ("page", "demo ms", "large ms", "ratio", "demo queries", "large queries")
    lines = [
        "| " + " | ".join(head) + " |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, demo, large in rows:
        ratio = large["median_ms"] / demo["median_ms"]
        flags = []
        if ratio > TARGET_RATIO:
            flags.append("over 1.5")
        if demo["queries"] != large["queries"]:
            flags.append("queries differ")
        mark = f" ({', '.join(flags)})" if flags else ""
        lines.append(
            f"| {name}{mark} | {demo['median_ms']:.1f} | {large['median_ms']:.1f} | "
            f"{ratio:.2f} | {demo['queries']} | {large['queries']} |"
        )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--only", action="append", help="measure the pages whose name has this")
    parser.add_argument("--keep-demo", action="store_true", help="reuse the demo database")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    options = parser.parse_args(argv)
    if options.worker:
        return worker()
    pages = [p for p in PAGES if not options.only or any(o in p.name for o in options.only)]
    if not pages:
        fail("no page matches --only")
    workdir = Path(tempfile.mkdtemp(prefix="kindred-scale-"))
    demo_env = _environment(DEMO_DATABASE, workdir / "demo-media")
    large_env = _environment(LARGE_DATABASE, workdir / "large-media")
    if not (options.keep_demo and _exists(DEMO_DATABASE)):
        make_demo_set(demo_env)
    ready_large_set(large_env)
    workers = {"demo": Worker("demo", demo_env), "large": Worker("large", large_env)}
    try:
        for name, worker_ in workers.items():
            _say(f"{name}: {worker_.facts['summary']}")
        results = {name: {} for name in workers}
        for page_name in (p.name for p in pages):
            for _ in range(PASSES):
                for set_name, worker_ in workers.items():
                    answer = worker_.ask(page=page_name)
                    got = results[set_name].setdefault(page_name, {"timings": []})
                    got["timings"] += answer["timings"]
                    got["queries"] = answer["queries"]
                    got["status"] = answer["status"]
            demo, large = (results[s][page_name] for s in ("demo", "large"))
            for got in (demo, large):
                got["median_ms"] = statistics.median(got["timings"]) * 1000
            _say(
                f"{page_name}: {demo['median_ms']:.1f} / {large['median_ms']:.1f} ms, "
                f"{demo['queries']} / {large['queries']} queries"
            )
    finally:
        for worker_ in workers.values():
            worker_.stop()
        if not options.keep_demo:
            _drop(DEMO_DATABASE)
    rows = [(p.name, results["demo"][p.name], results["large"][p.name]) for p in pages]
    print()
    print(_table(rows))
    over = [
        name for name, demo, large in rows if large["median_ms"] > TARGET_RATIO * demo["median_ms"]
    ]
    print()
    print(f"{len(rows) - len(over)} of {len(rows)} pages within {TARGET_RATIO} x.")
    if options.json:
        facts = {name: worker_.facts for name, worker_ in workers.items()}
        options.json.write_text(json.dumps({"facts": facts, "results": results}, indent=1))
    return 0


# --- The worker: one set, inside Django -----------------------------------------------------


def worker():
    import django

    django.setup()
    from django.conf import settings

    # Static files from the finders, as tests serve them: no collectstatic needed.
    settings.WHITENOISE_AUTOREFRESH = True
    settings.STORAGES["staticfiles"]["BACKEND"] = (
        "django.contrib.staticfiles.storage.StaticFilesStorage"
    )
    from django.db import transaction
    from django.test.utils import setup_test_environment

    setup_test_environment()
    outside = transaction.atomic()
    outside.__enter__()  # everything the run writes (visitors, sessions) is rolled back
    try:
        subjects, clients, facts = _visitors()
        _answer(facts)
        for line in sys.stdin:
            request = json.loads(line)
            try:
                _answer(_measure(request["page"], subjects, clients))
            except Exception as error:  # noqa: BLE001 - reported to the parent, which stops
                _answer({"error": f"{type(error).__name__}: {error}"})
    finally:
        transaction.set_rollback(True)
        outside.__exit__(None, None, None)
    return 0


def _answer(document):
    sys.stdout.write(json.dumps(document) + "\n")
    sys.stdout.flush()


def _visitors():
    """The set's pages' subjects (the biggest thread, its last page, the busiest members) and a
    test client for each kind of visitor."""
    from allauth.account.authentication import get_authentication_records
    from allauth.account.internal.flows.login import record_authentication
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.conf import settings
    from django.contrib.auth.signals import user_logged_in
    from django.db.models import Count
    from django.test import Client

    from accounts.models import Subscriber, User
    from articles.models import Article
    from comments.models import Comment, visibility

    big = (
        Comment.objects.values("article_id")
        .annotate(posts=Count("pk"))
        .order_by("-posts", "article_id")
        .first()
    )
    article = Article.objects.get(pk=big["article_id"])
    busiest = (
        Comment.objects.filter(author_user__is_active=True)
        .values("author_user_id")
        .annotate(posts=Count("pk"))
        .order_by("-posts", "author_user_id")
        .first()
    )
    member = User.objects.get(pk=busiest["author_user_id"])
    public = (
        Comment.objects.filter(
            author_user__profile_public=True, author_user__is_active=True, status="published"
        )
        .exclude(author_user__handle="")
        .values("author_user__handle")
        .annotate(posts=Count("pk"))
        .order_by("-posts", "author_user__handle")
        .first()
    )
    top_level = Comment.objects.filter(article=article, parent=None).filter(visibility(member))
    last_page = max(1, -(-top_level.count() // settings.COMMENTS_PER_PAGE))
    old_reply = (
        Comment.objects.filter(article=article, status="published", depth__gt=0)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:1]
        .get()
    )
    subjects = {
        "big_slug": article.slug,
        "big_article": article.pk,
        "last_page": last_page,
        "old_reply": old_reply,
        "handle": public["author_user__handle"],
    }
    staff = User.objects.create_user(
        email="scale-bench-staff@bench.example",
        password=None,
        display_name="Scale Bench Staff",
        is_staff=True,
        is_superuser=True,
    )
    EmailAddress.objects.create(user=staff, email=staff.email, verified=True, primary=True)
    TOTP.activate(staff, generate_totp_secret())

    def gave_the_code(sender, request, user, **kwargs):
        """force_login stands for allauth's log-in with the code (as tests/conftest.py)."""
        totp = Authenticator.objects.filter(user=user, type="totp").first()
        if totp and not get_authentication_records(request, user):
            record_authentication(request, user, "mfa", id=totp.pk, type="totp")

    user_logged_in.connect(gave_the_code, dispatch_uid="scale-bench-code")
    clients = {"anonymous": Client(), "member": Client(), "staff": Client()}
    clients["member"].force_login(member)
    clients["staff"].force_login(staff)
    facts = {
        **subjects,
        "member_posts": busiest["posts"],
        "profile_posts": public["posts"],
        "big_thread": big["posts"],
        "articles": Article.objects.count(),
        "comments": Comment.objects.count(),
        "members": User.objects.count(),
        "subscribers": Subscriber.objects.count(),
    }
    facts["summary"] = (
        f"{facts['articles']:,} articles, {facts['comments']:,} comments, "
        f"{facts['members']:,} members, {facts['subscribers']:,} subscribers; the biggest "
        f"thread {big['posts']:,} posts ({last_page} pages), the busiest member "
        f"{busiest['posts']:,} posts, the busiest public profile {public['posts']:,}"
    )
    return subjects, clients, facts


def _measure(page_name, subjects, clients):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings

    page = next(p for p in PAGES if p.name == page_name)
    url = page.address.format(**subjects)
    client = clients[page.who]
    headers = page.headers
    with override_settings(**page.settings):
        client.get(url, headers=headers)  # warm-up: fragments cache, templates, plan cache
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, headers=headers)
        count = len(queries)  # now: the next request's start empties the log
        status = response.status_code
        if status not in (200, 302):
            raise AssertionError(f"{url} answered {status}")
        timings, started = [], time.perf_counter()
        while len(timings) < MIN_ROUNDS or time.perf_counter() - started < PASS_SECONDS:
            begin = time.perf_counter()
            client.get(url, headers=headers)
            timings.append(time.perf_counter() - begin)
            if len(timings) >= 30:
                break
    return {"timings": timings, "queries": count, "status": status, "url": url}


if __name__ == "__main__":
    sys.exit(main())
