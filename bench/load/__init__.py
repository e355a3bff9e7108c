"""Benchmark (never part of `make test`): Kindred under load, served as in production.

gunicorn with gunicorn.conf.py, PostgreSQL and Redis, on a data set made fresh for the run
(bench/load/datasets.py):

- demo (the default): the demo content, 500 published comments on one article and 50
  signed-in members (`manage.py make_busy_thread`), in the database `kindred_bench`;
- large: a copy (`kindred_load_large`) of the large set `kindred_large` that
  `manage.py make_large_community` made (2,000 articles, 1,000,000 comments, 100,000 members),
  the load pointed at one of its 20,000-comment threads, signed in as 50 of its members.

The figures:

1. The article page from the app's page cache, against a minimal Django view (bench/minimal/)
   returning the same bytes from gunicorn with the same settings.
2. The same page through nginx with deploy/nginx/kindred.conf (its micro-cache), against that
   nginx serving the same bytes as a static file.
3. Load: 50 clients for 60 s, each from its own address (127.0.0.2, 127.0.0.3, ...): anonymous
   readers (of the busy article, and spread over the others), members reading, and members
   posting a comment after about every 40 of their reads (~20 s on 2 shared cores; counted in
   reads, not seconds, so the mix is the same on any machine). Requests/s, p50/p95/p99
   latency, errors, and the ledger: every post the server accepted must be in the database
   afterwards.
4. CPU per request: gunicorn's CPU time (master and workers, from /proc) over the requests
   served, under that load and for the minimal Django view under the same client (as many
   clients, 15 s before and 15 s after the load). Their ratio holds from machine to machine,
   where milliseconds do not; with `--data demo large` it is printed for both sets, and the
   large set's over the demo's. PostgreSQL's CPU per request (the bench database's backends)
   is printed beside it.

    make bench              # the demo set: .venv/bin/python -m bench.load [--seconds 10]
    make bench-load-large   # .venv/bin/python -m bench.load --data demo large --skip-ratios

Needs PostgreSQL at 127.0.0.1:5432 (user postgres, trust auth), Redis at 127.0.0.1:6379, and
nginx, wrk and openssl for the ratios (`make bench-deps` installs them on Debian when run as
root). The bench's databases and Redis database 14 are emptied first and dropped last; the large
set itself is only read, as the template of its copy (which waits while another session has it
open). It exits non-zero on wrong answers (errors, lost posts, a server that stopped); figures
below a target are printed and summed up at the end.

The parts: datasets.py (the two data sets), services.py (PostgreSQL, Redis, the environment,
steps run in a child process), servers.py (gunicorn, nginx, their processes), ratios.py (the two
wrk comparisons), client.py (the asyncio HTTP client), scenario.py (the mixed load and the
baseline), cpu.py (CPU time from /proc), report.py (what is printed), django_steps.py (what is
read and made inside Django), __main__.py (the whole run).
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def fail(message):
    sys.exit(f"bench/load: {message}")
