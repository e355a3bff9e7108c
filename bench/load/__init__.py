"""Benchmark (never part of `make test`): Kindred under load, served as in production.

gunicorn with gunicorn.conf.py, PostgreSQL and Redis; a fresh database with the demo content,
500 published comments on one article and 50 signed-in members (`manage.py make_busy_thread`).
Three figures:

1. The article page from the app's page cache, against a minimal Django view (bench/minimal/)
   returning the same bytes from gunicorn with the same settings.
2. The same page through nginx with deploy/nginx/kindred.conf (its micro-cache), against that
   nginx serving the same bytes as a static file.
3. Load: 50 clients for 60 s, each from its own address (127.0.0.2, 127.0.0.3, ...): anonymous
   readers, members reading, and members posting a comment every ~20 s. Requests/s, latency,
   errors, and the ledger: every post the server accepted must be in the database afterwards.

    make bench          # or: .venv/bin/python -m bench.load [--seconds 10] [--clients 20]

Needs PostgreSQL at 127.0.0.1:5432 (user postgres, trust auth), Redis at 127.0.0.1:6379, and
nginx, wrk and openssl (`make bench-deps` installs them on Debian when run as root). It uses the
database `kindred_bench` and Redis database 14, both emptied first and last. It exits non-zero
on wrong answers (errors, lost posts, a server that stopped); figures below a target are printed
and summed up at the end.

The parts: services.py (PostgreSQL, Redis, the environment, steps run in a child process),
servers.py (gunicorn, nginx, their processes), ratios.py (the two wrk comparisons), client.py
(the asyncio HTTP client), scenario.py (the mixed load), report.py (what is printed),
django_steps.py (what is read back inside Django), __main__.py (the whole run).
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
SLUG = "paraspinal-muscular-atrophy-vs-sma"
ARTICLE = f"/articles/{SLUG}/"
SEEDED_COMMENTS = 500


def fail(message):
    sys.exit(f"bench/load: {message}")
