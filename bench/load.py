"""Benchmark (never part of `make test`): Kindred under load, served as in production.

gunicorn with gunicorn.conf.py, PostgreSQL and Redis; a fresh database with the demo content,
500 published comments on one article and 50 signed-in members. Three figures:

1. The article page from the app's page cache, against a minimal Django view (bench/minimal/)
   returning the same bytes from gunicorn with the same settings.
2. The same page through nginx with deploy/nginx/kindred.conf (its micro-cache), against that
   nginx serving the same bytes as a static file.
3. Load: 50 clients for 60 s, each from its own address (127.0.0.2, 127.0.0.3, ...): anonymous
   readers, members reading, and members posting a comment every ~20 s. Requests/s, latency,
   errors, and the ledger: every post the server accepted must be in the database afterwards.

    make bench          # or: .venv/bin/python bench/load.py [--seconds 10] [--clients 20]

Needs PostgreSQL at 127.0.0.1:5432 (user postgres, trust auth), Redis at 127.0.0.1:6379, and
nginx, wrk and openssl (`make bench-deps` installs them on Debian when run as root). It uses the
database `kindred_bench` and Redis database 14, both emptied first and last. It exits non-zero
on wrong answers (errors, lost posts, a server that stopped); figures below a target are printed
and summed up at the end.
"""

import argparse
import asyncio
import collections
import http.client
import json
import os
import random
import re
import resource
import shutil
import signal
import socket
import ssl
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
SLUG = "paraspinal-muscular-atrophy-vs-sma"
ARTICLE = f"/articles/{SLUG}/"
SEEDED_COMMENTS = 500
SECRET_KEY = "bench-only-secret-key-not-for-production-0123456789"  # noqa: S105 - bench only
P95_TARGET_MS = 250
RATIO_TARGET = 0.5
TOKEN_PATTERN = re.compile(r"\bkb[a-z]{14}\b")


def fail(message):
    sys.exit(f"bench/load.py: {message}")


# --- Steps run inside Django (child processes) -----------------------------------------------

SENTENCES = [
    "Thank you for writing this, it is the first explanation that made sense to me.",
    "My son was diagnosed last spring and the tiredness in the evenings is the hardest part.",
    "We found that a short rest after school helps more than anything the leaflets suggested.",
    "Does anyone have experience with the physiotherapy exercises mentioned in the article?",
    "I keep a small notebook of good and bad days; it made the clinic visits much easier.",
    "Our team at the hospital was kind, but nobody told us about the support groups.",
    "Reading everyone's stories here makes me feel less alone with all of this.",
    "The section on breathing was useful; we asked our doctor about it the next week.",
]


def _comment_text(rng, token=""):
    text = " ".join(rng.sample(SENTENCES, rng.randint(1, 3)))
    return f"{text} ({token})" if token else text


def prepare(member_count):
    """Members with signed-in sessions and 500 published comments by them on the article."""
    import django

    django.setup()
    from allauth.account.models import EmailAddress
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.models import User
    from articles.models import Article
    from comments.models import Comment
    from comments.text import render_comment_text

    password = make_password("bench-password-123")  # hashed once: the hasher is slow on purpose
    members = []
    for n in range(member_count):
        member = User(
            email=f"member{n}@bench.example", display_name=f"Bench reader {n}", password=password
        )
        member.save()
        EmailAddress.objects.create(user=member, email=member.email, verified=True, primary=True)
        members.append(member)

    # Approved posts for every member (ten each for 50): none is held as a new author, so the
    # posts made under load are published at once and change the page, as in a lively thread.
    rng = random.Random(7)  # noqa: S311 - sample text, not secrets
    article = Article.objects.get(slug=SLUG)
    comments = []
    for n in range(SEEDED_COMMENTS):
        body = _comment_text(rng)
        comment = Comment(
            article=article,
            author_user=members[n % member_count],
            body=body,
            body_html=render_comment_text(body),
            status=Comment.Status.PUBLISHED,
        )
        if n % 4 and comments:  # a quarter top level, the others replies (as bench/run.py)
            parent = comments[n % len(comments)]
            comment.parent, comment.root_id = parent, parent.root_id or parent.pk
            comment.depth = parent.depth + 1
        comment.save()
        comments.append(comment)

    sessions = []
    for member in members:
        session = SessionStore()
        session[SESSION_KEY] = str(member.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = member.get_session_auth_hash()
        session.create()
        sessions.append(session.session_key)

    others = [a.get_absolute_url() for a in Article.objects.published().exclude(slug=SLUG)]
    print(
        json.dumps(
            {
                "sessions": sessions,
                "parents": [c.pk for c in comments],
                "last_seeded": comments[-1].pk,
                "other_articles": others,
            }
        )
    )


def verify(ledger_file):
    """Which posts are in the database: by the unique token each one carried."""
    import django

    django.setup()
    from comments.models import Comment

    ledger = json.loads(Path(ledger_file).read_text())
    stored = {}
    rows = Comment.objects.filter(article__slug=SLUG, pk__gt=ledger["last_seeded"])
    for pk, body, status in rows.values_list("pk", "body", "status"):
        for token in TOKEN_PATTERN.findall(body):
            stored[token] = (pk, status)
    accepted = ledger["accepted"]
    lost = [token for token, pk in accepted if stored.get(token, (None,))[0] != pk]
    statuses = collections.Counter(stored[token][1] for token, _ in accepted if token in stored)
    print(
        json.dumps(
            {
                "accepted": len(accepted),
                "found": len(accepted) - len(lost),
                "lost": lost,
                "statuses": statuses,
                "refused_but_stored": sum(t in stored for t in ledger["refused"]),
                "unconfirmed": len(ledger["unconfirmed"]),
                "unconfirmed_stored": sum(t in stored for t in ledger["unconfirmed"]),
                "new_rows": len(stored),
            }
        )
    )


# --- Processes, services and clean-up ---------------------------------------------------------


class Processes:
    """Every process the bench starts, stopped on the way out (also on Ctrl-C or failure)."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.running = []

    def start(self, name, args, env, stop_signal=signal.SIGTERM):
        log_path = self.workdir / f"{name}.log"
        with open(log_path, "wb") as log:
            process = subprocess.Popen(  # noqa: S603 - programs and arguments made here
                args,
                env=env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group: Ctrl-C reaches the bench, which stops it
            )
        process.bench_name, process.log_path, process.stop_signal = name, log_path, stop_signal
        self.running.append(process)
        return process

    def stop(self, process):
        if process.poll() is None:
            process.send_signal(process.stop_signal)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # the group it was started in
                process.wait(timeout=5)
        if process in self.running:
            self.running.remove(process)

    def stop_all(self):
        for process in reversed(list(self.running)):
            self.stop(process)

    def log_tail(self, process, lines=15):
        text = process.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])


def _run(args, env, what):
    result = subprocess.run(  # noqa: S603 - programs and arguments made here
        args, env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if result.returncode:
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-15:])
        fail(f"{what} failed:\n{tail}")
    return result.stdout


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _tool(name):
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    return found


def check_tools():
    missing = [name for name in ("nginx", "wrk", "openssl") if not _tool(name)]
    if missing:
        fail(
            f"needs {', '.join(missing)}: run `make bench-deps` as root "
            f"(apt-get install {' '.join(missing)})"
        )


def _empty_services(options, create_database):
    """Drop (and create again) the bench's database; empty its Redis database."""
    import psycopg
    import redis

    with psycopg.connect(
        "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True, connect_timeout=3
    ) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{options.database}" WITH (FORCE)')
        if create_database:
            admin.execute(f'CREATE DATABASE "{options.database}"')
    redis.Redis(host="127.0.0.1", port=6379, db=options.redis_db, socket_timeout=3).flushdb()


def reset_services(options):
    import psycopg
    import redis

    try:
        _empty_services(options, create_database=True)
    except psycopg.OperationalError as error:
        first_line = str(error).strip().splitlines()[0]
        fail(f"PostgreSQL at 127.0.0.1:5432 (user postgres) is not answering: {first_line}")
    except redis.RedisError as error:
        fail(f"Redis at 127.0.0.1:6379 is not answering: {error}")


def drop_services(options):
    import psycopg
    import redis

    try:
        _empty_services(options, create_database=False)
    except (psycopg.Error, redis.RedisError) as error:
        print(f"bench/load.py: could not empty the bench database or Redis db: {error}")


def environment(workdir, options, port):
    env = dict(os.environ)
    # Anything set for a real deployment must not leak into the bench.
    for name in ("BIND", "PORT", "MEDIA_STORAGE", "PAGE_CACHE_SECONDS", "PUBLIC_CACHE_SECONDS"):
        env.pop(name, None)
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "STATIC_ROOT": str(workdir / "static"),
            "DEBUG": "0",
            "SECRET_KEY": SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": f"http://127.0.0.1:{port}",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{options.database}",
            "REDIS_URL": f"redis://127.0.0.1:6379/{options.redis_db}",
            "TASKS_BACKEND": "immediate",
            "EMAIL_URL": f"file://{workdir / 'mail'}",
            "MEDIA_ROOT": str(workdir / "media"),
            "COMMENTS_READ_GATE": "0",
            "REQUEST_LOG": "0",
        }
    )
    return env


def gunicorn_args(app=None):
    args = [PYTHON, "-m", "gunicorn"]
    if (ROOT / "gunicorn.conf.py").exists():
        args += ["-c", str(ROOT / "gunicorn.conf.py")]
    else:  # what gunicorn.conf.py would say: gthread workers, 2 x CPUs + 1, 4 threads each
        workers = 2 * len(os.sched_getaffinity(0)) + 1
        args += ["-k", "gthread", "-w", str(workers), "--threads", "4"]
    return args + [app or "config.wsgi:application"]


def gunicorn_shape(env):
    """Workers, threads and recycling as gunicorn.conf.py computes them, for the printout."""
    if not (ROOT / "gunicorn.conf.py").exists():
        return f"{2 * len(os.sched_getaffinity(0)) + 1} gthread workers x 4 threads (flags)"
    code = (
        "import runpy; c = runpy.run_path('gunicorn.conf.py'); "
        "print(c['workers'], c['threads'], c.get('max_requests', 0))"
    )
    workers, threads, recycle = _run([PYTHON, "-c", code], env, "gunicorn.conf.py").split()
    return f"{workers} workers x {threads} threads, max_requests {recycle}, from gunicorn.conf.py"


def get(port, path, headers=None, tls=False, timeout=30):
    """One blocking request: (status, headers, body)."""
    if tls:
        context = ssl._create_unverified_context()  # noqa: S323 - our own self-signed cert
        connection = http.client.HTTPSConnection(
            "127.0.0.1", port, timeout=timeout, context=context
        )
    else:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def wait_until_serving(processes, process, port, path, tls=False):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            fail(f"{process.bench_name} stopped at start-up:\n{processes.log_tail(process)}")
        try:
            status, _, _ = get(port, path, tls=tls, timeout=5)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    fail(f"{process.bench_name} did not answer {path} within 60 s:\n{processes.log_tail(process)}")


# --- wrk: the two speed ratios ----------------------------------------------------------------

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text):
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def wrk(url, options, seconds=None):
    seconds = seconds or options.ratio_seconds
    args = [_tool("wrk"), "-t", "2", "-c", str(options.wrk_connections)]
    args += ["-d", f"{seconds}s", "--latency", url]
    out = subprocess.run(  # noqa: S603 - wrk with arguments made here
        args, capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.MULTILINE))
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rate": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": _ms(percentiles["50"]),
        "p99": _ms(percentiles["99"]),
        "errors": errors + (int(bad.group(1)) if bad else 0),
    }


def compare(title, ours, baseline, options):
    """Alternate the two, a few rounds each, so a noisy neighbour hits both alike."""
    for _, url in (ours, baseline):  # warm both up (workers, connections), not counted
        wrk(url, options, seconds=2)
    rounds = []
    for _ in range(options.rounds):
        rounds.append((wrk(ours[1], options), wrk(baseline[1], options)))
    ratios = sorted(a["rate"] / b["rate"] for a, b in rounds)
    ratio = ratios[len(ratios) // 2]
    print(f"\n{title}")
    print(
        f"  wrk -t2 -c{options.wrk_connections}, {options.rounds} alternating rounds of "
        f"{options.ratio_seconds} s each after 2 s of warm-up; median round shown"
    )
    print(f"  {'':66} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6}")
    for label, index in ((ours[0], 0), (baseline[0], 1)):
        runs = sorted((r[index] for r in rounds), key=lambda r: r["rate"])
        middle = runs[len(runs) // 2]
        errors = sum(r["errors"] for r in runs)
        print(
            f"  {label:66} {middle['rate']:7.0f} {middle['p50']:7.1f} {middle['p99']:7.1f} "
            f"{errors:6d}"
        )
    verdict = "ok" if ratio >= RATIO_TARGET else "BELOW TARGET"
    print(
        f"  ratio: {ratio:.2f}  (rounds: {', '.join(f'{r:.2f}' for r in ratios)}; "
        f"target >= {RATIO_TARGET}: {verdict})"
    )
    return ratio, sum(a["errors"] + b["errors"] for a, b in rounds)


def nginx_site(workdir, upstream_port, https_port, http_port, static_root):
    """deploy/nginx/kindred.conf with this machine's ports and paths, plus the static twin."""
    site = (ROOT / "deploy/nginx/kindred.conf").read_text()
    media, acme = workdir / "media", workdir / "nginx/acme"

    def upstream(match):  # the first server line points at our gunicorn; others go
        lines, kept = [], False
        for line in match.group(0).split("\n"):
            if re.match(r"\s*server\s", line):
                if kept:
                    continue
                line, kept = (
                    re.sub(r"(server\s+)\S+", rf"\g<1>127.0.0.1:{upstream_port}", line),
                    True,
                )
            lines.append(line)
        return "\n".join(lines)

    required = [
        (r"upstream kindred_app \{.*?\n\}", upstream),
        (r"(proxy_cache_path\s+)\S+", rf"\g<1>{workdir / 'nginx/cache'}"),
        (r"(ssl_certificate\s+)[^;]+", rf"\g<1>{workdir / 'tls/fullchain.pem'}"),
        (r"(ssl_certificate_key\s+)[^;]+", rf"\g<1>{workdir / 'tls/privkey.pem'}"),
        (r"(location\s+/static/\s*\{[^}]*?alias\s+)[^;]+", rf"\g<1>{static_root}/"),
        # The same page as a plain file, in the same server block (TLS, gzip, headers).
        (
            r"(\n(\s*)listen\s+443\b[^;]*;)",
            rf"\1\n\2location = /bench-page.html {{ root {workdir / 'nginx/www'}; }}",
        ),
        (r"(listen\s+)443\b", rf"\g<1>127.0.0.1:{https_port}"),
    ]
    optional = [
        (r"\n\s*listen\s+\[::\][^\n]*", ""),
        (r"(listen\s+)80\b", rf"\g<1>127.0.0.1:{http_port}"),
        (r"(location\s+/media/\s*\{[^}]*?alias\s+)[^;]+", rf"\g<1>{media}/"),
        (r"(location\s+/\.well-known/acme-challenge/\s*\{[^}]*?root\s+)[^;]+", rf"\g<1>{acme}"),
    ]
    for pattern, replacement in required + optional:
        once = "bench-page" in str(replacement)
        site, count = re.subn(pattern, replacement, site, count=int(once), flags=re.DOTALL)
        if not count and (pattern, replacement) in required:
            fail(f"deploy/nginx/kindred.conf has no match for {pattern!r}: update bench/load.py")
    (workdir / "nginx/site.conf").write_text(site)
    nginx_dir = workdir / "nginx"
    temp_paths = "\n".join(
        f"    {kind}_temp_path {nginx_dir / 'tmp' / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # Debian's nginx.conf defaults, with every path inside the bench's folder.
    (nginx_dir / "nginx.conf").write_text(
        f"""daemon off;
worker_processes auto;
pid {nginx_dir / "nginx.pid"};
error_log {nginx_dir / "error.log"};
events {{ worker_connections 768; }}
http {{
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {nginx_dir / "access.log"};
{temp_paths}
    include {nginx_dir / "site.conf"};
}}
"""
    )
    return nginx_dir / "nginx.conf"


def make_certificate(workdir):
    (workdir / "tls").mkdir()
    _run(
        [
            _tool("openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=localhost", "-keyout", str(workdir / "tls/privkey.pem"),
            "-out", str(workdir / "tls/fullchain.pem"),
        ],
        None,
        "openssl (self-signed certificate)",
    )  # fmt: skip


# --- The load: asyncio clients speaking HTTP/1.1 with keep-alive -----------------------------


class Connection:
    """One kept-alive HTTP/1.1 connection from a given source address."""

    resent = 0  # GETs sent again because the server had closed the kept-alive connection

    def __init__(self, port, source):
        self.port, self.source = port, source
        self.reader = self.writer = None

    async def _open(self):
        self.reader, self.writer = await asyncio.open_connection(
            "127.0.0.1", self.port, local_addr=(self.source, 0), limit=1 << 22
        )

    def close(self):
        if self.writer is not None:
            self.writer.transport.abort()
            self.reader = self.writer = None

    async def send(self, raw, may_retry=True):
        """(status, headers, set-cookies, body). A GET on a kept-alive connection the server has
        closed meanwhile (idle timeout, worker restart) is sent again on a new one."""
        is_fresh = self.writer is None
        if is_fresh:
            await self._open()
        try:
            self.writer.write(raw)
            head = await self.reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError) as error:
            self.close()
            nothing_back = not getattr(error, "partial", b"")
            if is_fresh or not may_retry or not nothing_back:
                raise
            Connection.resent += 1
            return await self.send(raw, may_retry=False)
        lines = head[:-4].decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers, cookies = {}, []
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                cookies.append(value)
            else:
                headers[name] = value
        if "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            body = await self._chunked()
        elif status in (204, 304) or status < 200:
            body = b""
        else:
            body = await self.reader.read()
            headers["connection"] = "close"
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, cookies, body

    async def _chunked(self):
        parts = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await self.reader.readuntil(b"\r\n")
                return b"".join(parts)
            parts.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)


class LoadRun:
    """Closed-loop clients: each sends its next request as soon as the last one is answered."""

    def __init__(self, port, prepared, options, server_pid):
        self.port, self.server_pid = port, server_pid
        self.options = options
        self.sessions = prepared["sessions"]
        self.parents = prepared["parents"]
        self.other_articles = prepared["other_articles"]
        self.samples = collections.defaultdict(list)  # kind -> latencies (s)
        self.errors = collections.Counter()  # what went wrong -> count
        self.error_examples = {}
        self.refusals = collections.Counter()
        self.accepted, self.refused, self.unconfirmed = [], [], []
        self.tokens = set()
        self.page_cache = collections.Counter()  # X-Page-Cache of the busy article

    def _request(self, method, path, cookie="", body=b""):
        lines = [
            f"{method} {path} HTTP/1.1",
            f"Host: 127.0.0.1:{self.port}",
            "User-Agent: kindred-bench/1 (bench/load.py)",
            "Accept: text/html",
        ]
        if cookie:
            lines.append(f"Cookie: {cookie}")
        if method == "POST":
            lines += [
                f"Origin: http://127.0.0.1:{self.port}",
                "Content-Type: application/x-www-form-urlencoded",
                f"Content-Length: {len(body)}",
            ]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body

    def _token(self, rng):
        while True:
            token = "kb" + "".join(rng.choices(string.ascii_lowercase, k=14))
            if token not in self.tokens:
                self.tokens.add(token)
                return token

    async def _timed(self, connection, kind, raw):
        """Send and time one request; None when it failed (counted as an error)."""
        started = time.perf_counter()
        try:
            answer = await asyncio.wait_for(connection.send(raw), self.options.timeout)
        except TimeoutError:
            connection.close()
            self._error(kind, "timeout", f"no answer within {self.options.timeout} s")
            return None
        except (OSError, asyncio.IncompleteReadError, ValueError) as error:
            connection.close()
            self._error(kind, "connection", repr(error))
            return None
        self.samples[kind].append(time.perf_counter() - started)
        return answer

    def _error(self, kind, what, example):
        self.errors[f"{kind}: {what}"] += 1
        self.error_examples.setdefault(f"{kind}: {what}", example)

    async def _sign_in(self, index, connection):
        """The member's own article page: the CSRF cookie and token, and the signed `started`
        field, fetched once per client (a post needs the form to be at least 3 s old)."""
        session = self.sessions[index % len(self.sessions)]
        raw = self._request("GET", ARTICLE, cookie=f"sessionid={session}")
        status, _, cookies, body = await connection.send(raw)
        page = body.decode()
        csrf_cookie = next(c.split(";")[0] for c in cookies if c.startswith("csrftoken="))
        started = re.search(r'name="started" value="([^"]+)"', page)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or not started or not token or "Posting as" not in page:
            raise RuntimeError(f"client {index}: the member's page has no comment form")
        return {
            "cookie": f"sessionid={session}; {csrf_cookie}",
            "csrf": token.group(1),
            "started": started.group(1),
        }

    async def _client(self, index, connection, member, stop_at):
        rng = random.Random(index)  # noqa: S311 - a repeatable mix, not secrets
        anonymous = self._request("GET", ARTICLE)
        others = [self._request("GET", path) for path in [*self.other_articles, "/"]]
        member_read = self._request("GET", ARTICLE, cookie=member["cookie"])
        interval = self.options.post_interval
        next_post = time.monotonic() + rng.uniform(3, interval)
        while time.monotonic() < stop_at:
            if time.monotonic() >= next_post:
                next_post += interval * rng.uniform(0.8, 1.2)
                await self._post(rng, connection.source, member)
                continue
            roll = rng.random()
            if roll < self.options.member_share:
                answer = await self._timed(connection, "member read", member_read)
                kind, is_main = "member read", False
            else:
                # Nine in ten anonymous reads are of the busy article; the rest spread out.
                is_main = rng.random() < 0.9
                kind = "anonymous read"
                answer = await self._timed(
                    connection, kind, anonymous if is_main else rng.choice(others)
                )
            if answer is None:
                continue
            if answer[0] != 200:
                self._error(kind, f"status {answer[0]}", answer[3][:200])
            elif is_main:
                self.page_cache[answer[1].get("x-page-cache", "not used")] += 1
        connection.close()

    async def _post(self, rng, source, member):
        """A post on a connection of its own: were a kept-alive one closed under it, nobody
        could tell whether the server had taken it."""
        token = self._token(rng)
        fields = {
            "csrfmiddlewaretoken": member["csrf"],
            "started": member["started"],
            "body": _comment_text(rng, token),
            "parent": rng.choice(self.parents) if rng.random() < 0.75 else "",
            "website": "",
        }
        raw = self._request(
            "POST", f"{ARTICLE}comments/", member["cookie"], urlencode(fields).encode()
        )
        connection = Connection(self.port, source)
        answer = await self._timed(connection, "post", raw)
        connection.close()
        if answer is None:
            self.unconfirmed.append(token)
            return
        status, headers, _, body = answer
        accepted = re.search(r"#comment-(\d+)$", headers.get("location", ""))
        if status == 302 and accepted:
            self.accepted.append((token, int(accepted.group(1))))
        elif status == 429:  # the rate limit, as designed
            self.refusals["rate limit (429)"] += 1
            self.refused.append(token)
        else:
            self.refused.append(token)
            self._error("post", f"status {status}", body[:300])

    async def run(self):
        connections = [
            Connection(self.port, f"127.0.0.{i + 2}") for i in range(self.options.clients)
        ]
        # Every client signs in (and holds its form) before the clock starts.
        members = await asyncio.gather(*(self._sign_in(i, c) for i, c in enumerate(connections)))
        usage = resource.getrusage(resource.RUSAGE_SELF)
        cpu_before = usage.ru_utime + usage.ru_stime
        busy_before = _machine_busy()
        server_before = _server_cpu(self.server_pid)
        started = time.monotonic()
        stop_at = started + self.options.seconds
        await asyncio.gather(
            *(
                self._client(i, c, m, stop_at)
                for i, (c, m) in enumerate(zip(connections, members, strict=True))
            )
        )
        self.elapsed = time.monotonic() - started
        usage = resource.getrusage(resource.RUSAGE_SELF)
        self.generator_cpu = (usage.ru_utime + usage.ru_stime - cpu_before) / self.elapsed
        self.machine_busy = _machine_busy(busy_before)
        self.server_cpu = (_server_cpu(self.server_pid) - server_before) / self.elapsed


def _server_cpu(master):
    """CPU seconds used so far by gunicorn: the master, its live workers, and the workers it
    has reaped (recycled after max_requests), which the kernel adds to the master's account."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:  # gone meanwhile
            continue
        pid, ppid = int(stat.parent.name), int(fields[1])
        if pid == master:
            ticks += sum(int(n) for n in fields[11:15])  # utime stime cutime cstime
        elif ppid == master:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def _machine_busy(before=None):
    """CPU time of the whole machine (all cores) from /proc/stat: (busy, total) jiffies, or the
    busy share since `before`."""
    fields = [int(n) for n in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]
    now = (sum(fields) - idle, sum(fields))
    if before is None:
        return now
    return (now[0] - before[0]) / max(1, now[1] - before[1])


def _percentile(values, share):
    return values[min(len(values) - 1, int(len(values) * share))] * 1000 if values else 0.0


def report_load(run, options, shape):
    print(
        f"\nLoad: {options.clients} clients for {options.seconds} s straight to gunicorn "
        f"({shape}), PostgreSQL, Redis"
    )
    print(
        "  generated by bench/load.py itself: one asyncio process, raw HTTP/1.1 with keep-alive, "
        f"client i from 127.0.0.(i+2), no think time; it used {run.generator_cpu:.0%} of one "
        f"core; the machine's {os.cpu_count()} cores were {run.machine_busy:.0%} busy (all its "
        "processes)"
    )
    print(
        f"  mix: {options.member_share:.0%} member reads of the article (private, rendered), "
        f"the rest anonymous reads (9 in 10 of the article), a post per member every "
        f"~{options.post_interval:.0f} s (3 in 4 replies)"
    )
    print(f"  {'':16} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    everything = []
    for kind in ("anonymous read", "member read", "post"):
        values = sorted(run.samples[kind])
        everything += values
        print(
            f"  {kind:16} {len(values):9d} {len(values) / run.elapsed:8.1f} "
            f"{_percentile(values, 0.5):8.1f} {_percentile(values, 0.95):8.1f} "
            f"{_percentile(values, 0.99):8.1f}"
        )
    everything.sort()
    p95 = _percentile(everything, 0.95)
    per_request = run.server_cpu * run.elapsed / max(1, len(everything)) * 1000
    print(
        f"  {'all':16} {len(everything):9d} {len(everything) / run.elapsed:8.1f} "
        f"{_percentile(everything, 0.5):8.1f} {p95:8.1f} {_percentile(everything, 0.99):8.1f}"
    )
    print(
        f"  gunicorn used {run.server_cpu:.2f} cores: {per_request:.1f} ms of CPU per request on "
        "average (the rest went to PostgreSQL, Redis, the generator and anything else running)"
    )
    cache = run.page_cache
    posts = len(run.accepted)
    print(
        f"  the busy article's anonymous reads: {cache['hit']} from the page cache, "
        f"{cache['miss']} rendered ({cache['miss'] / max(1, posts):.1f} per accepted post: "
        "each post changes the page)"
    )
    errors = sum(run.errors.values())
    print(f"  errors: {errors}" + (f"  {dict(run.errors)}" if errors else ""))
    if Connection.resent:
        print(f"  {Connection.resent} reads re-sent after gunicorn closed a kept-alive connection")
    for what, example in run.error_examples.items():
        print(f"    e.g. {what}: {example!r}"[:300])
    refusals = ", ".join(f"{n} {what}" for what, n in run.refusals.items()) or "none"
    print(
        f"  posts: {len(run.accepted)} accepted, deliberate refusals: {refusals}, "
        f"{len(run.unconfirmed)} without an answer"
    )
    return errors, p95


def report_ledger(result):
    statuses = ", ".join(f"{n} {status}" for status, n in sorted(result["statuses"].items()))
    print(
        f"  ledger: {result['accepted']} posts accepted by the server, {result['found']} in the "
        f"database with the text sent ({statuses or 'none'}); lost: {len(result['lost'])}"
    )
    if result["refused_but_stored"]:
        print(f"  LEDGER: {result['refused_but_stored']} refused posts were stored anyway")
    if result["unconfirmed"]:
        print(
            f"  of the {result['unconfirmed']} posts without an answer, "
            f"{result['unconfirmed_stored']} were stored"
        )
    return len(result["lost"])


# --- The whole run ----------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60, help="length of the load (60)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (50)")
    parser.add_argument("--ratio-seconds", type=int, default=8, help="each wrk round (8)")
    parser.add_argument("--rounds", type=int, default=5, help="wrk rounds per ratio (5)")
    parser.add_argument("--wrk-connections", type=int, default=50)
    parser.add_argument("--member-share", type=float, default=0.1, help="member reads (0.1)")
    parser.add_argument("--post-interval", type=float, default=20.0, help="seconds (20)")
    parser.add_argument("--timeout", type=float, default=10.0, help="per request (10 s)")
    parser.add_argument("--database", default="kindred_bench")
    parser.add_argument("--redis-db", type=int, default=14)
    parser.add_argument("--skip-ratios", action="store_true", help="only the load")
    parser.add_argument("--skip-load", action="store_true", help="only the two ratios")
    options = parser.parse_args()
    if not 1 <= options.clients <= 253:
        fail("--clients must be 1 to 253 (one 127.0.0.N address each)")

    check_tools()
    workdir = Path(tempfile.mkdtemp(prefix="kindred-load-bench-"))
    workdir.chmod(0o755)  # nginx's workers read the page and static files as another user
    processes = Processes(workdir)

    def stop(signum, frame):
        raise SystemExit(f"bench/load.py: stopped by signal {signum}")

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, stop)
    # Ctrl-C stops the bench and its servers, even when started from a shell that ignores it.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    summary = Summary()
    try:
        run(workdir, processes, options, summary)
    except KeyboardInterrupt:
        summary.problems.append("interrupted")
    finally:
        processes.stop_all()
        drop_services(options)
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"\nSummary: {', '.join(summary.figures)}")
    if summary.problems:  # wrong answers fail the run; slow ones are reported above
        sys.exit(f"bench/load.py: {'; '.join(summary.problems)}")


class Summary:
    def __init__(self):
        self.figures = []  # "name value (target ...: ok)", one per target
        self.problems = []  # errors, lost posts, a server that stopped: the run failed

    def target(self, name, value, is_met, target):
        self.figures.append(f"{name} {value} ({target}: {'ok' if is_met else 'MISSED'})")


def run(workdir, processes, options, summary):
    port = _free_port()
    env = environment(workdir, options, port)
    started = time.monotonic()
    reset_services(options)
    (workdir / "mail").mkdir()
    manage = [PYTHON, str(ROOT / "manage.py")]
    _run([*manage, "migrate", "--noinput", "-v", "0"], env, "manage.py migrate")
    _run([*manage, "collectstatic", "--noinput", "-v", "0"], env, "manage.py collectstatic")
    _run([*manage, "load_demo", "-v", "0"], env, "manage.py load_demo")
    members = max(50, options.clients)
    prepared = json.loads(
        _run([PYTHON, __file__, "prepare", str(members)], env, "preparing members and comments")
    )
    shape = gunicorn_shape({**env, "BIND": f"127.0.0.1:{port}"})
    kindred = processes.start(
        "gunicorn-kindred", gunicorn_args(), {**env, "BIND": f"127.0.0.1:{port}"}, signal.SIGQUIT
    )
    wait_until_serving(processes, kindred, port, "/healthz")
    print(
        f"Set-up in {time.monotonic() - started:.0f} s: database {options.database} "
        f"(migrate, load_demo), {SEEDED_COMMENTS} comments on {ARTICLE}, {members} members with "
        f"sessions, Redis db {options.redis_db}; gunicorn {shape}, DEBUG=0"
    )
    if not options.skip_ratios:
        ratios(workdir, processes, options, env, port, summary)
    if options.skip_load:
        return
    load = LoadRun(port, prepared, options, kindred.pid)
    asyncio.run(load.run())
    errors, p95 = report_load(load, options, shape)
    ledger = {
        "last_seeded": prepared["last_seeded"],
        "accepted": load.accepted,
        "refused": load.refused,
        "unconfirmed": load.unconfirmed,
    }
    (workdir / "ledger.json").write_text(json.dumps(ledger))
    lost = report_ledger(
        json.loads(_run([PYTHON, __file__, "verify", str(workdir / "ledger.json")], env, "ledger"))
    )
    if kindred.poll() is not None:
        summary.problems.append("gunicorn stopped during the load")
    if errors:
        summary.problems.append(f"{errors} errors under load")
    if lost:
        summary.problems.append(f"{lost} accepted posts missing from the database")
    summary.target("load errors", errors, not errors, "target 0")
    summary.target("lost", lost, not lost, "target 0")
    summary.target("p95", f"{p95:.0f} ms", p95 < P95_TARGET_MS, f"target < {P95_TARGET_MS} ms")


def ratios(workdir, processes, options, env, port, summary):
    # The page as an anonymous reader gets it: rendered once, then from the page cache.
    get(port, ARTICLE)
    status, headers, page = get(port, ARTICLE)
    if status != 200 or headers.get("X-Page-Cache") != "hit":
        fail(f"the article page did not come from the page cache (X-Page-Cache: "
             f"{headers.get('X-Page-Cache')}, status {status})")  # fmt: skip
    page_file = workdir / "nginx/www/bench-page.html"
    page_file.parent.mkdir(parents=True)
    page_file.write_bytes(page)
    for folder in (workdir / "nginx", page_file.parent):
        folder.chmod(0o755)
    page_file.chmod(0o644)

    minimal_port = _free_port()
    minimal_env = {**env, "BIND": f"127.0.0.1:{minimal_port}", "BENCH_PAGE_FILE": str(page_file)}
    minimal = processes.start(
        "gunicorn-minimal", gunicorn_args("bench.minimal.wsgi:application"), minimal_env,
        signal.SIGQUIT,
    )  # fmt: skip
    wait_until_serving(processes, minimal, minimal_port, ARTICLE)
    _, _, same = get(minimal_port, ARTICLE)
    assert same == page, "the minimal view serves other bytes"
    ratio, errors = compare(
        f"Article page, {len(page) // 1024} KB with {SEEDED_COMMENTS} comments, anonymous, "
        "straight from gunicorn (same gunicorn.conf.py)",
        ("Kindred, from its page cache in Redis (X-Page-Cache: hit)", f"http://127.0.0.1:{port}{ARTICLE}"),
        ("minimal Django view, same bytes, no middleware (bench/minimal)",
         f"http://127.0.0.1:{minimal_port}{ARTICLE}"),
        options,
    )  # fmt: skip
    if errors:
        summary.problems.append(f"{errors} errors from wrk during the gunicorn ratio")
    if get(port, ARTICLE)[1].get("X-Page-Cache") != "hit":
        summary.problems.append("the page cache stopped answering during the gunicorn ratio")
    processes.stop(minimal)
    summary.target("gunicorn ratio", f"{ratio:.2f}", ratio >= RATIO_TARGET, "target >= 0.5")

    make_certificate(workdir)
    https_port, http_port = _free_port(), _free_port()
    config = nginx_site(workdir, port, https_port, http_port, env["STATIC_ROOT"])
    for folder in ("tmp", "cache", "acme"):
        (workdir / "nginx" / folder).mkdir(exist_ok=True)
    nginx = _tool("nginx")
    _run([nginx, "-t", "-q", "-e", str(workdir / "nginx/error.log"), "-c", str(config)], None,
         "nginx -t (deploy/nginx/kindred.conf)")  # fmt: skip
    server = processes.start(
        "nginx", [nginx, "-e", str(workdir / "nginx/error.log"), "-c", str(config)], None
    )
    wait_until_serving(processes, server, https_port, "/bench-page.html", tls=True)
    get(https_port, ARTICLE, tls=True)
    status, headers, through = get(https_port, ARTICLE, tls=True)
    if headers.get("X-Cache-Status") != "HIT" or through != page:
        fail(f"nginx did not keep the page in its micro-cache (X-Cache-Status: "
             f"{headers.get('X-Cache-Status')}, status {status})")  # fmt: skip
    ratio, errors = compare(
        "The same page through nginx over HTTPS (deploy/nginx/kindred.conf, ports and paths "
        f"adapted; nginx {_nginx_version(nginx)})",
        ("Kindred through nginx, from its micro-cache (X-Cache-Status: HIT)",
         f"https://127.0.0.1:{https_port}{ARTICLE}"),
        ("nginx serving the same bytes as a static file, same server block",
         f"https://127.0.0.1:{https_port}/bench-page.html"),
        options,
    )  # fmt: skip
    if errors:
        summary.problems.append(f"{errors} errors from wrk during the nginx ratio")
    # The app allows PUBLIC_CACHE_SECONDS; nginx refreshes the copy in the background.
    cached = {"HIT", "STALE", "UPDATING", "REVALIDATED"}
    if get(https_port, ARTICLE, tls=True)[1].get("X-Cache-Status") not in cached:
        summary.problems.append("the nginx micro-cache stopped answering during the nginx ratio")
    processes.stop(server)
    summary.target("nginx ratio", f"{ratio:.2f}", ratio >= RATIO_TARGET, "target >= 0.5")


def _nginx_version(nginx):
    out = subprocess.run([nginx, "-v"], capture_output=True, text=True, check=False).stderr  # noqa: S603
    return out.strip().rpartition("/")[2]


if __name__ == "__main__":
    step = sys.argv[1] if len(sys.argv) > 1 else ""
    if step == "prepare":
        prepare(int(sys.argv[2]))
    elif step == "verify":
        verify(sys.argv[2])
    else:
        main()
