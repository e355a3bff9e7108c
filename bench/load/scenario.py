"""The mixed load: closed-loop clients reading the busy article (anonymous and as members) and
posting to it, each post carrying a unique token so the ledger can find it in the database."""

import asyncio
import collections
import os
import random
import re
import resource
import string
import time
from pathlib import Path
from urllib.parse import urlencode

from bench.load import ARTICLE
from bench.load.client import Connection
from comments.sample_text import sample_comment_text

TOKEN_PATTERN = re.compile(r"\bkb[a-z]{14}\b")
_STARTED = re.compile(r'name="started" value="([^"]+)"')
_CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
FILL_SECONDS = 3.5  # a form sent sooner than COMMENTS_MIN_FILL_SECONDS (3) is refused as a bot's


def _form_fields(page):
    """The comment form's fields a post must send back, from a member's page; None without one."""
    started, csrf = _STARTED.search(page), _CSRF_TOKEN.search(page)
    if not started or not csrf or "Posting as" not in page:
        return None
    return {"csrf": csrf.group(1), "started": started.group(1), "shown_at": time.monotonic()}


class LoadRun:
    """Closed-loop clients: each sends its next request as soon as the last one is answered."""

    def __init__(self, port, busy_thread, other_articles, options, server_pid):
        self.port, self.server_pid = port, server_pid
        self.options = options
        self.sessions = busy_thread["sessions"]  # what make_busy_thread made
        self.parents = busy_thread["comments"]
        self.other_articles = other_articles
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
            "User-Agent: kindred-bench/1 (bench/load)",
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
        field of the first post's form (a post needs the form to be at least 3 s old)."""
        session = self.sessions[index % len(self.sessions)]
        raw = self._request("GET", ARTICLE, cookie=f"sessionid={session}")
        status, _, cookies, body = await connection.send(raw)
        csrf_cookie = next(c.split(";")[0] for c in cookies if c.startswith("csrftoken="))
        form = _form_fields(body.decode())
        if status != 200 or form is None:
            raise RuntimeError(f"client {index}: the member's page has no comment form")
        return {"cookie": f"sessionid={session}; {csrf_cookie}", **form}

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
        could tell whether the server had taken it. Once taken, the member's browser follows the
        redirect to the page, whose form is the one the next post sends (each is single use)."""
        token = self._token(rng)
        # Nobody sends a form the moment it is shown (only when a slow post leaves little time).
        await asyncio.sleep(member["shown_at"] + FILL_SECONDS - time.monotonic())
        fields = {
            "csrfmiddlewaretoken": member["csrf"],
            "started": member["started"],
            "body": sample_comment_text(rng, token),
            "parent": rng.choice(self.parents) if rng.random() < 0.75 else "",
            "website": "",
        }
        raw = self._request(
            "POST", f"{ARTICLE}comments/", member["cookie"], urlencode(fields).encode()
        )
        connection = Connection(self.port, source)
        answer = await self._timed(connection, "post", raw)
        if answer is not None and answer[0] == 302:
            page = self._request("GET", ARTICLE, cookie=member["cookie"])
            followed = await self._timed(connection, "member read", page)
            if followed is not None and followed[0] == 200:
                member.update(_form_fields(followed[3].decode()) or {})
            elif followed is not None:
                self._error("member read", f"status {followed[0]}", followed[3][:200])
        connection.close()
        if answer is None:
            self.unconfirmed.append(token)
            return
        status, headers, _, body = answer
        # An accepted post sends its author to the post's own address, /c/<id>/ (issue 15).
        accepted = re.search(r"/c/(\d+)/$", headers.get("location", ""))
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
