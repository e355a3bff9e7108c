"""Benchmarks (never part of `make test`): article page and home page throughput.

Run with `make bench`. Uses a throwaway SQLite database in a temporary folder, loads the demo
content, then times the Django test client against the pages a reader opens most.
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
workdir = tempfile.mkdtemp(prefix="kindred-bench-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["DEBUG"] = "0"
os.environ["REQUEST_LOG"] = "0"  # the request log would print a line per timed request
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")
os.environ["DATABASE_URL"] = f"sqlite:///{workdir}/bench.sqlite3"
os.environ["MEDIA_ROOT"] = f"{workdir}/media"
os.environ["ALLOWED_HOSTS"] = "testserver"
os.environ["PAGE_CACHE_SECONDS"] = "600"  # one process: its local-memory cache is the shared one

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

# Serve static files from the finders, as tests do, so no collectstatic is needed.
settings.WHITENOISE_AUTOREFRESH = True
settings.STORAGES["staticfiles"]["BACKEND"] = (
    "django.contrib.staticfiles.storage.StaticFilesStorage"
)


def measure(client, url, rounds=300):
    client.get(url)  # warm the caches
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
    timings.sort()
    return {
        "median_ms": statistics.median(timings) * 1000,
        "p95_ms": timings[int(len(timings) * 0.95)] * 1000,
        "per_second": len(timings) / sum(timings),
    }


def main():
    setup_test_environment()
    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0)
    client = Client()
    article_url = "/articles/paraspinal-muscular-atrophy-vs-sma/"
    pages = {"home": "/", "article": article_url}
    settings.DEBUG = True  # to count queries
    print(f"{'page':10} {'median ms':>10} {'p95 ms':>8} {'req/s':>8} {'queries (cold/warm)':>20}")
    for name, url in pages.items():
        counts = []
        for _ in range(2):
            reset_queries()
            client.get(url)
            counts.append(len(connection.queries))
        queries = "/".join(map(str, counts))
        settings.DEBUG = False
        result = measure(client, url)
        settings.DEBUG = True
        print(
            f"{name:10} {result['median_ms']:10.2f} {result['p95_ms']:8.2f} "
            f"{result['per_second']:8.0f} {queries:>20}"
        )
    member = _thread_of(500)
    client.force_login(member)
    settings.DEBUG = True
    reset_queries()
    client.get(article_url)
    queries = len(connection.queries)
    settings.DEBUG = False
    result = measure(client, article_url, rounds=100)
    print(
        f"{'500 comm.':10} {result['median_ms']:10.2f} {result['p95_ms']:8.2f} "
        f"{result['per_second']:8.0f} {queries:>20}  (member; every comment on the first page)"
    )


def _thread_of(count):
    """A member and `count` comments (a quarter top level) on the demo article."""
    from accounts.models import User
    from articles.models import Article
    from comments.models import Comment

    member = User.objects.create_user(
        email="bench@example.org", password="bench-password-123", display_name="Bench Member"
    )
    article = Article.objects.get(slug="paraspinal-muscular-atrophy-vs-sma")
    roots = []
    for n in range(count):
        comment = Comment(
            article=article, author_user=member, body=f"Comment {n}", status="published"
        )
        if n % 4 and roots:
            parent = roots[n % len(roots)]
            comment.parent, comment.root_id = parent, parent.root_id or parent.pk
            comment.depth = parent.depth + 1
        comment.save()
        roots.append(comment)
    return member


if __name__ == "__main__":
    main()
