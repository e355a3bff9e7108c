"""The mixed load: closed-loop clients reading the busy article (anonymous and as members) and
posting to it, each post carrying a unique token so the ledger can find it in the database; and
the baseline, the same clients reading the minimal Django view. Both count the CPU the servers
used, so that a request's cost compares from one machine to another (bench/load/cpu.py)."""

import asyncio
import collections
import os
import random
import re
import resource
import string
import time
from urllib.parse import urlencode, urlsplit

from bench.load.client import Connection
from bench.load.cpu import PostgresCpu, gunicorn_cpu, machine_busy
from comments.sample_text import sample_comment_text

TOKEN_PATTERN = re.compile(r"\bkb[a-z]{14}\b")
_POSTED = re.compile(r"/c/(\d+)/$")  # where an accepted post sends its author: its own address
_STARTED = re.compile(r'name="started" value="([^"]+)"')
_CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_ALERT = re.compile(r'class="(?:alert alert-danger|invalid-feedback[^"]*)"[^>]*>(.*?)</div>', re.S)
FILL_SECONDS = 3.5  # a form sent sooner than COMMENTS_MIN_FILL_SECONDS (3) is refused as a bot's


def _form_fields(page):
    """The comment form's fields a post must send back, from a member's page; None without one."""
    started, csrf = _STARTED.search(page), _CSRF_TOKEN.search(page)
    if not started or not csrf or "Posting as" not in page:
        return None
    return {
        "csrf": csrf.group(1),
        "started": started.group(1),
        "shown_at": time.monotonic(),
        "is_spent": False,  # each form is good for one send
    }


def _why_refused(page):
    """What the form page a refused post came back to says is wrong (else the page's start)."""
    said = [re.sub(r"<[^>]+>", " ", text).strip() for text in _ALERT.findall(page.decode())]
    return " | ".join(said) or page[:300]


def http_request(port, method, path, cookie="", body=b""):
    """The bytes of one HTTP/1.1 request, as a browser with JavaScript off would send it."""
    lines = [
        f"{method} {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "User-Agent: kindred-bench/1 (bench/load)",
        "Accept: text/html",
    ]
    if cookie:
        lines.append(f"Cookie: {cookie}")
    if method == "POST":
        lines += [
            f"Origin: http://127.0.0.1:{port}",
            "Content-Type: application/x-www-form-urlencoded",
            f"Content-Length: {len(body)}",
        ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class Meter:
    """What a run used, from just before its first timed request to just after its last: the
    server's CPU (gunicorn's processes; PostgreSQL's backends of `database` when given), the
    generator's, the machine's, and the load average."""

    def __init__(self, server_pid, database=None):
        self.server_pid, self.database = server_pid, database

    def start(self):
        usage = resource.getrusage(resource.RUSAGE_SELF)
        self._generator = usage.ru_utime + usage.ru_stime
        self._machine = machine_busy()
        self._server = gunicorn_cpu(self.server_pid)
        self.postgres = PostgresCpu(self.database) if self.database else None
        if self.postgres:
            self.postgres.sample(is_start=True)
        self.load_before = os.getloadavg()[0]
        self._started = time.monotonic()

    async def sample_postgres(self, stop_at):
        """Every second: backends come and go (CONN_MAX_AGE), and a gone one is not readable."""
        while self.postgres and time.monotonic() < stop_at:
            await asyncio.sleep(1)
            self.postgres.sample()

    def stop(self):
        self.elapsed = time.monotonic() - self._started
        usage = resource.getrusage(resource.RUSAGE_SELF)
        self.generator_cpu = (usage.ru_utime + usage.ru_stime - self._generator) / self.elapsed
        self.machine_busy = machine_busy(self._machine)
        self.server_seconds = gunicorn_cpu(self.server_pid) - self._server
        self.postgres_seconds = None
        if self.postgres:
            self.postgres.sample()
            self.postgres_seconds = self.postgres.used()
            self.postgres.close()
        self.load_after = os.getloadavg()[0]


class LoadRun:
    """Closed-loop clients: each sends its next request as soon as the last one is answered."""

    def __init__(self, port, thread, options, server_pid, database):
        self.port, self.thread, self.options = port, thread, options
        self.article = thread.path
        self.meter = Meter(server_pid, database)
        self.samples = collections.defaultdict(list)  # kind -> latencies (s)
        self.errors = collections.Counter()  # what went wrong -> count
        self.error_examples = {}
        self.refusals = collections.Counter()
        self.accepted, self.refused, self.unconfirmed = [], [], []
        self.tokens = set()
        self.page_cache = collections.Counter()  # X-Page-Cache of the busy article
        self.other_cache = collections.Counter()  # X-Page-Cache of the other pages read

    def _request(self, method, path, cookie="", body=b""):
        return http_request(self.port, method, path, cookie, body)

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
        field of the first post's form (a post needs the form to be at least 3 s old)."""
        session = self.thread.sessions[index % len(self.thread.sessions)]
        raw = self._request("GET", self.article, cookie=f"sessionid={session}")
        status, _, cookies, body = await connection.send(raw)
        csrf_cookie = next(c.split(";")[0] for c in cookies if c.startswith("csrftoken="))
        form = _form_fields(body.decode())
        if status != 200 or form is None:
            raise RuntimeError(f"client {index}: the member's page has no comment form")
        return {"cookie": f"sessionid={session}; {csrf_cookie}", **form}

    async def _client(self, index, connection, member, stop_at):
        rng = random.Random(index)  # noqa: S311 - a repeatable mix, not secrets
        anonymous = self._request("GET", self.article)
        others = [*self.thread.other_articles, "/"]
        member_read = self._request("GET", self.article, cookie=member["cookie"])
        # A post after about every `post_every` reads of the client: the same mix of reads and
        # posts however fast the machine is. Or every `post_interval` seconds, when that is
        # given: then a faster machine reads more between two posts.
        interval, every = self.options.post_interval, self.options.post_every
        next_post = time.monotonic() + rng.uniform(3, interval) if interval else 0
        reads, next_post_read = 0, rng.randint(1, every)
        while time.monotonic() < stop_at:
            if time.monotonic() >= next_post if interval else reads >= next_post_read:
                next_post += interval * rng.uniform(0.8, 1.2) if interval else 0
                next_post_read = reads + round(every * rng.uniform(0.8, 1.2))
                await self._post(rng, connection.source, member)
                continue
            reads += 1
            roll = rng.random()
            if roll < self.options.member_share:
                answer = await self._timed(connection, "member read", member_read)
                kind, is_main = "member read", False
            else:
                # Nine in ten anonymous reads are of the busy article; the rest spread out.
                is_main = rng.random() < 0.9
                kind = "anonymous read"
                other = None if is_main else self._request("GET", rng.choice(others))
                answer = await self._timed(connection, kind, other or anonymous)
            if answer is None:
                continue
            if answer[0] != 200:
                self._error(kind, f"status {answer[0]}", answer[3][:200])
            elif kind == "anonymous read":
                counter = self.page_cache if is_main else self.other_cache
                counter[answer[1].get("x-page-cache", "not used")] += 1
        connection.close()

    async def _post(self, rng, source, member):
        """A post on a connection of its own: were a kept-alive one closed under it, nobody
        could tell whether the server had taken it. Once taken, the member's browser follows the
        redirect (the post's /c/<id>/, then the page of the thread that holds it), whose form is
        the one the next post sends (each is single use). When that page never came, or the post
        was refused, the next post first loads the article's page again, as a person would."""
        if member["is_spent"]:  # the last post's page never came: load the article's afresh
            await self._follow(Connection(self.port, source), member, self.article)
            if member["is_spent"]:  # nor did that: no form to send (the error is counted)
                return
        token = self._token(rng)
        # Nobody sends a form the moment it is shown (only when a slow post leaves little time).
        await asyncio.sleep(member["shown_at"] + FILL_SECONDS - time.monotonic())
        fields = {
            "csrfmiddlewaretoken": member["csrf"],
            "started": member["started"],
            "body": sample_comment_text(rng, token),
            "parent": rng.choice(self.thread.parents) if rng.random() < 0.75 else "",
            "website": "",
        }
        raw = self._request(
            "POST", f"{self.article}comments/", member["cookie"], urlencode(fields).encode()
        )
        connection = Connection(self.port, source)
        member["is_spent"] = True
        answer = await self._timed(connection, "post", raw)
        if answer is not None and answer[0] == 302:
            await self._follow(connection, member, answer[1].get("location", ""))
        connection.close()
        if answer is None:
            self.unconfirmed.append(token)
            return
        status, headers, _, body = answer
        accepted = _POSTED.search(urlsplit(headers.get("location", "")).path)
        if status == 302 and accepted:
            self.accepted.append((token, int(accepted.group(1))))
        elif status == 429:  # the rate limit, as designed
            self.refusals["rate limit (429)"] += 1
            self.refused.append(token)
        else:
            self.refused.append(token)
            reason = _why_refused(body)
            self._error("post", f"status {status}: {str(reason)[:70]}", reason)

    async def _follow(self, connection, member, location):
        """Redirects as a browser follows them (member reads); the form of the page they end on,
        or of the article's first page when that has none, is the one the next post sends."""
        for _ in range(3):
            target = urlsplit(location)
            path = target.path + (f"?{target.query}" if target.query else "")
            page = self._request("GET", path, cookie=member["cookie"])
            followed = await self._timed(connection, "member read", page)
            if followed is None:
                connection.close()
                return
            status, headers, _, body = followed
            if status in (301, 302, 303):
                location = headers.get("location", "")
                continue
            if status != 200:
                self._error("member read", f"status {status} at {path}", body[:200])
                return
            form = _form_fields(body.decode())
            if form is None and path != self.article:
                location = self.article
                continue
            member.update(form or {})
            connection.close()
            return
        connection.close()
        self._error("member read", "redirects went on", location)

    async def run(self):
        connections = [
            Connection(self.port, f"127.0.0.{i + 2}") for i in range(self.options.clients)
        ]
        # Every client signs in (and holds its form) before the clock starts.
        members = await asyncio.gather(*(self._sign_in(i, c) for i, c in enumerate(connections)))
        self.meter.start()
        stop_at = time.monotonic() + self.options.seconds
        clients = (
            self._client(i, c, m, stop_at)
            for i, (c, m) in enumerate(zip(connections, members, strict=True))
        )
        await asyncio.gather(self.meter.sample_postgres(stop_at), *clients)
        self.meter.stop()
        self.elapsed = self.meter.elapsed

    @property
    def requests(self):
        return sum(len(values) for values in self.samples.values())


class BaselineRun:
    """The same client against the minimal Django view (bench/minimal): as many clients, each
    from its own address on a kept-alive connection, reading the page with no think time."""

    def __init__(self, port, path, options, server_pid, seconds):
        self.port, self.path, self.options, self.seconds = port, path, options, seconds
        self.meter = Meter(server_pid)
        self.samples = []  # latencies (s)
        self.errors = collections.Counter()

    async def _client(self, connection, raw, stop_at):
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                status = (await asyncio.wait_for(connection.send(raw), self.options.timeout))[0]
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as error:
                connection.close()
                self.errors[type(error).__name__] += 1
                continue
            self.samples.append(time.perf_counter() - started)
            if status != 200:
                self.errors[f"status {status}"] += 1
        connection.close()

    async def run(self):
        raw = http_request(self.port, "GET", self.path)
        connections = [
            Connection(self.port, f"127.0.0.{i + 2}") for i in range(self.options.clients)
        ]
        for connection in connections:  # opened before the clock starts, as the load's are
            await connection.send(raw)
        self.meter.start()
        stop_at = time.monotonic() + self.seconds
        await asyncio.gather(*(self._client(c, raw, stop_at) for c in connections))
        self.meter.stop()
        self.elapsed = self.meter.elapsed

    @property
    def requests(self):
        return len(self.samples)
