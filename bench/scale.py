"""Benchmark (never part of `make test`): the cost of each page on a demo-sized community and on
a large one, in one run, side by side (issue 17 point 2: cost that does not grow with the data).

    make bench-scale            # or: .venv/bin/python bench/scale.py [--rounds 15] [--only NAME]
    .venv/bin/python bench/scale.py --only admin --explain    # and each query's plan

Both sets are PostgreSQL databases at 127.0.0.1:5432 (user postgres, trust auth):

- the demo set, `kindred_bench_demo`, made afresh by every run and dropped at its end:
  `load_demo` (7 articles) and `make_large_community` at demo size (DEMO_COMMUNITY below: 10
  articles, 5,000 comments with one thread of 500, 1,000 members and 1,000 subscribers, with
  the hugs, reports, bans and audit log in the same shares as the large set);
- the large set, `kindred_large` (2,000 articles, 1,000,000 comments with three threads of
  20,000, 100,000 members and 100,000 subscribers). When it is missing it is made
  (createdb, migrate, make_large_community: about 70 s on two cores); when it is there it is
  migrated forward (this branch's indexes), never changed otherwise. Both are vacuumed (VACUUM
  ANALYZE) when they need it, as a live server's autovacuum would.

Each set is served by a worker process of its own (this file with --worker), with the same
settings: DEBUG off, no Redis (local-memory caches), the page cache off (PAGE_CACHE_SECONDS=0:
every figure is the page made, not a cache hit), fragments cache on as in production. A worker
makes its visitors (a staff member with an authenticator, whose session gave its code; the
busiest member, signed in) inside one transaction that it rolls back at the end, so the
databases keep nothing of the run. The parent asks the two in turn, one request on one set,
then one on the other, so whatever else the machine does meanwhile weighs on both alike.

For each page: a warm-up request, one whose queries are counted, then the Django test client's
median time over ROUNDS requests (fewer for a slow page, PAGE_SECONDS). The table's ratio is
large / demo; the target is at most 1.5 and the same number of queries (an admin list of
the large set has one fewer where PostgreSQL's estimate stands in for a count:
kindred/admin_paginator.py). "rows shown" is the size of the page's output (an admin list's
rows, a page's articles or posts, a sitemap's or feed's entries), demo / large: a page that
shows more may cost more.
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
from urllib.parse import quote_plus

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
ROUNDS = 20  # timed requests of each page on each set, at most
PAGE_SECONDS = 10.0  # ... and no more rounds once a page took this long on both sets together
MIN_ROUNDS = 5  # ... but at least this many


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
    # Django's admin search: a word no post has, a word many have, an author's name.
    Page("admin comments ?q=rare word", "staff", "/admin/comments/comment/?q=appointment"),
    Page("admin comments ?q=common word", "staff", "/admin/comments/comment/?q=physiotherapy"),
    Page("admin comments ?q=author", "staff", "/admin/comments/comment/?q={member_name}"),
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
    _vacuum(DEMO_DATABASE)
    _say(f"demo set {DEMO_DATABASE} made in {time.monotonic() - began:.0f} s")


def _vacuum(database):
    """VACUUM (ANALYZE), as autovacuum would have done on a live server by now: fresh planner
    statistics, and the visibility map that lets an index be read without the table (index-only
    scans). Changes no row. Skipped when the tables are mostly marked all-visible already."""
    import psycopg

    with psycopg.connect(f"{POSTGRES}/{database}", autocommit=True) as connection:
        pages, visible = connection.execute(
            "SELECT sum(relpages), sum(relallvisible) FROM pg_class "
            "WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"
        ).fetchone()
        if pages and visible >= 0.9 * pages:
            return
        _say(f"{database}: VACUUM (ANALYZE), as autovacuum would (it is off on this server)")
        connection.execute("VACUUM (ANALYZE)")


def ready_large_set(env):
    """kindred_large, made when missing, else migrated forward; vacuumed as a live server's
    autovacuum would have."""
    if not _exists(LARGE_DATABASE):
        _say(
            f"{LARGE_DATABASE} is missing: making it now (createdb, migrate, "
            "make_large_community: about 70 s on two cores, 1.2 GB)"
        )
        began = time.monotonic()
        _create(LARGE_DATABASE)
        _manage(env, "migrate", "--noinput")
        _manage(env, "make_large_community", "--no-progress")
        _vacuum(LARGE_DATABASE)
        _say(f"{LARGE_DATABASE} made in {time.monotonic() - began:.0f} s")
        return
    if _manage(env, "migrate", "--check", check=False).returncode != 0:
        _say(f"{LARGE_DATABASE}: applying this branch's migrations (its data stays as it is)")
        _manage(env, "migrate", "--noinput")
    _vacuum(LARGE_DATABASE)


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
    head = ("page", "demo ms", "large ms", "ratio", "demo queries", "large queries", "rows shown")
    lines = [
        "| " + " | ".join(head) + " |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, demo, large in rows:
        ratio = large["median_ms"] / demo["median_ms"]
        flags = []
        if ratio > TARGET_RATIO:
            flags.append(f"over {TARGET_RATIO}")
        if large["queries"] > demo["queries"]:
            flags.append("more queries")
        mark = f" **({', '.join(flags)})**" if flags else ""
        shown = "" if demo["rows"] is None else f"{demo['rows']} / {large['rows']}"
        lines.append(
            f"| {name}{mark} | {demo['median_ms']:.1f} | {large['median_ms']:.1f} | "
            f"{ratio:.2f} | {demo['queries']} | {large['queries']} | {shown} |"
        )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--only", action="append", help="measure the pages whose name has this")
    parser.add_argument(
        "--keep-demo",
        action="store_true",
        help=f"keep {DEMO_DATABASE} after the run, and use it (migrated) if it is there",
    )
    parser.add_argument(
        "--rounds", type=int, default=ROUNDS, help=f"timed requests per page and set ({ROUNDS})"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--explain",
        action="store_true",
        help="also print PostgreSQL's plan of each page's queries on the large set",
    )
    options = parser.parse_args(argv)
    if options.worker:
        return worker()
    pages = [p for p in PAGES if not options.only or any(o in p.name for o in options.only)]
    if not pages:
        fail("no page matches --only")
    workdir = Path(tempfile.mkdtemp(prefix="kindred-scale-"))
    demo_env = _environment(DEMO_DATABASE, workdir / "demo-media")
    large_env = _environment(LARGE_DATABASE, workdir / "large-media")
    if options.keep_demo and _exists(DEMO_DATABASE):
        _manage(demo_env, "migrate", "--noinput")
    else:
        make_demo_set(demo_env)
    ready_large_set(large_env)
    workers = {"demo": Worker("demo", demo_env), "large": Worker("large", large_env)}
    try:
        for name, worker_ in workers.items():
            _say(f"{name}: {worker_.facts['summary']}")
        results = {name: {} for name in workers}
        for page_name in (p.name for p in pages):
            for set_name, worker_ in workers.items():
                explain = options.explain and set_name == "large"
                first = worker_.ask(page=page_name, explain=explain)
                results[set_name][page_name] = {**first, "timings": []}
            # One request on one set, then one on the other: whatever else the machine does
            # meanwhile weighs on both alike.
            spent, rounds = 0.0, 0
            while rounds < MIN_ROUNDS or (rounds < options.rounds and spent < PAGE_SECONDS):
                for set_name, worker_ in workers.items():
                    took = worker_.ask(page=page_name, timed=True)["seconds"]
                    results[set_name][page_name]["timings"].append(took)
                    spent += took
                rounds += 1
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
    more = [name for name, demo, large in rows if large["queries"] > demo["queries"]]
    print(
        f"{len(rows) - len(over)} of {len(rows)} pages within {TARGET_RATIO} x; "
        f"{len(more)} with more queries on the large set."
    )
    if options.explain:
        print("\nThe large set's query plans (EXPLAIN; costs left out), page by page:")
        for page in pages:
            print(f"\n{page.name}")
            for number, plan in enumerate(results["large"][page.name]["plans"], 1):
                print(f"  {number}. " + "\n     ".join(plan))
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
                _answer(_measure(request, subjects, clients))
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
        "member_name": quote_plus(member.display_name),
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


def _measure(request, subjects, clients):
    """A page's first asking: a warm-up request (the fragments cache, templates, the query
    plans), then one whose queries are counted. Each later asking (`timed`): one request,
    timed."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings

    page = next(p for p in PAGES if p.name == request["page"])
    url = page.address.format(**subjects)
    client = clients[page.who]
    with override_settings(**page.settings):
        if request.get("timed"):
            began = time.perf_counter()
            client.get(url, headers=page.headers)
            return {"seconds": time.perf_counter() - began}
        client.get(url, headers=page.headers)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, headers=page.headers)
        if response.status_code not in (200, 302):
            raise AssertionError(f"{url} answered {response.status_code}")
        return {
            "queries": len(queries),
            "status": response.status_code,
            "url": url,
            "rows": _rows_shown(response),
            **({"plans": _plans(queries)} if request.get("explain") else {}),
        }


def _plans(queries):
    """PostgreSQL's plan of each SELECT the page ran, without its costs: the scans it chose
    (an index's name, or a Seq Scan), the sorts and the limits. One list of lines a query."""
    import re

    from django.db import connection, transaction

    plans = []
    for query in queries.captured_queries:
        sql = query["sql"]
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("EXPLAIN " + sql)
            lines = [re.sub(r"\s*\(cost=[^)]*\)", "", row[0]).rstrip() for row in cursor]
        kept = [lines[0]] + [line for line in lines[1:] if re.search(r"Scan|Sort|Limit", line)]
        plans.append([sql[:160] + (" ..." if len(sql) > 160 else ""), *kept])
    return plans


def _rows_shown(response):
    """How many things the page lists (an admin list's rows, a page of articles or posts, a
    sitemap's or a feed's entries), or None: the size of its output, beside its cost."""
    context = response.context or {}
    if "cl" in context:
        return len(context["cl"].result_list)
    for name in ("page_obj", "page"):
        page = context.get(name)
        if page is not None and hasattr(page, "object_list"):
            return len(page.object_list)
    body = response.content
    for tag in (b"<url>", b"<item>", b"<entry>"):
        if tag in body:
            return body.count(tag)
    return None


if __name__ == "__main__":
    sys.exit(main())
