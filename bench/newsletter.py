"""Benchmark (never part of `make test`): one article to 100,000 subscribers over real SMTP
(issue 17 point 3: at least 0.5 x a plain smtplib loop, peak memory under 200 MB, resumable
after the worker is killed half-way).

    make bench    # or: .venv/bin/python bench/newsletter.py [--subscribers N] [--database sqlite]
                  #     [--compare-django]

The subscribers live in a PostgreSQL database at 127.0.0.1:5432 (user postgres, trust auth),
made afresh by each run and dropped at its end (`--database sqlite` uses a file instead); every
other one reads Spanish, and the article has a reviewed Spanish translation, so both languages'
messages go out. Besides this driver there are an aiosmtpd sink that takes every message and
writes down whom it was for, and the sender:

1. `send_newsletter` (the same claims, batches and records as the workers use) mails everyone;
   its rate and its process's peak memory are measured, with 1,000 subscribers and with all.
2. A plain `smtplib` loop sends the same messages over one connection, built beforehand (a
   thousand at a time, outside the clock, the same bytes): the most this machine's SMTP path
   allows. The
   ratio of the two rates is the figure.
3. With `--compare-django` only (it takes N / 150 s more here): the same send on a copy of the
   database with every message built by Django (`EmailMultiAlternatives`, as any other backend
   than SMTP gets them): what the byte-level path (articles/newsletter.py `RawMessages`) is
   worth on this machine at this moment (0.23 x the plain loop with 4,000 on 2026-12-01).
4. On another copy, `send_newsletter` is killed with SIGKILL once half the rows are recorded as
   sent; then, the lease run out (`release_stale` told the time is 15 minutes later),
   `send_newsletter` runs again to the end. The sink's list shows who got the article twice (the
   target: nobody) and who never got it (nobody but the rows left "interrupted (may have been
   sent)", at most one per killed worker).
"""

import argparse
import collections
import datetime
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
sys.path.insert(0, str(ROOT))  # run as a script: the project's own modules

from kindred.ports import free_port  # noqa: E402

POSTGRES = "postgres://postgres@127.0.0.1:5432"
DATABASE = "kindred_bench_newsletter"
SLUG = "pacing-your-energy"
SECRET_KEY = "bench-only-secret-key-not-for-production-0123456789"  # noqa: S105 - bench only


def _django(url, port):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", SECRET_KEY)
    os.environ["DATABASE_URL"] = url
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["SITE_URL"] = "https://kindred.example"
    os.environ["EMAIL_URL"] = f"smtp://127.0.0.1:{port}"
    for name in ("REDIS_URL", "DATABASE_REPLICA_URLS"):
        os.environ.pop(name, None)
    import django

    django.setup()


def _peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- The sink --------------------------------------------------------------------------------


def sink(port, addresses_file):
    """Take every message; when stopped, write each one's recipients to the file, one a line."""
    import asyncio

    from aiosmtpd.controller import Controller

    class Inbox:
        addresses = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
            Inbox.addresses.extend(envelope.rcpt_tos)
            return "250 OK"

    controller = Controller(Inbox(), hostname="127.0.0.1", port=port, data_size_limit=0)
    controller.start()
    print("ready", flush=True)
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.run_until_complete(stop.wait())
    controller.stop()
    Path(addresses_file).write_text("".join(f"{address}\n" for address in Inbox.addresses))
    print(len(Inbox.addresses), flush=True)


class Sink:
    def __init__(self, workdir):
        self.port = free_port()
        self.addresses_file = f"{workdir}/received-{self.port}.txt"
        self.process = subprocess.Popen(  # noqa: S603 - this very file
            [PYTHON, __file__, "sink", str(self.port), self.addresses_file],
            stdout=subprocess.PIPE,
            text=True,
        )
        if self.process.stdout.readline().strip() != "ready":
            sys.exit("the SMTP sink did not start")

    def stop(self):
        """Stop it; returns how many times each address got a message."""
        self.process.terminate()
        self.process.communicate(timeout=60)
        return collections.Counter(Path(self.addresses_file).read_text().split())


# --- The steps, each in a process of its own -------------------------------------------------


def prepare(url, port, subscribers):
    _django(url, port)
    from django.core.management import call_command
    from django.utils import timezone

    from accounts.models import Subscriber
    from articles.models import Article

    call_command("migrate", verbosity=0)
    now = timezone.now()
    batch = []
    for n in range(subscribers):
        batch.append(
            Subscriber(
                email=f"reader{n}@bench.example",
                name=f"Sample Reader {n}",
                confirmed_at=now,
                newsletter_at=now,
                language="es" if n % 2 else "en",
                unsubscribe_key=f"bench-{n:08d}-{os.urandom(8).hex()}",
            )
        )
        if len(batch) == 5000:
            Subscriber.objects.bulk_create(batch)
            batch = []
    Subscriber.objects.bulk_create(batch)
    Article.objects.create(
        title="Pacing your energy through the week",
        slug=SLUG,
        summary="Small ways to spread effort across the day so the evenings stay yours.",
        body="## Why pacing helps\n\nA short body for the benchmark.\n\n- rest\n- plan",
        title_es="Repartir la energía a lo largo de la semana",
        summary_es="Maneras sencillas de repartir el esfuerzo para que las tardes sean suyas.",
        body_es="## Por qué ayuda\n\nUn texto breve para la prueba.\n\n- descansar\n- planear",
        last_reviewed_at_es=datetime.date(2026, 11, 2),
        status=Article.Status.PUBLISHED,
        published_at=now,
        newsletter=False,  # sent by the command below, not by publish_due
    )
    print("{}")


def send(url, port, path="as shipped"):
    _django(url, port)
    from django.core.management import call_command

    from articles.models import NewsletterRecipient

    if path == "django":
        from articles import newsletter

        newsletter.RawMessages.build = classmethod(lambda cls, send, language=None: None)
    base_mb = _peak_mb()
    started = time.perf_counter()
    call_command("send_newsletter", SLUG, "--force", verbosity=0)
    took = time.perf_counter() - started
    sent = NewsletterRecipient.objects.filter(status="sent").count()
    print(json.dumps({"sent": sent, "seconds": took, "peak_mb": _peak_mb(), "base_mb": base_mb}))


def plain(url, port):
    """The same messages sent by smtplib alone over one connection; only the sending is timed.

    They are built beforehand, a thousand at a time, by the byte-level path the send uses
    (`RawMessages`), so each reader gets the very bytes send_newsletter sent them."""
    _django(url, port)
    import smtplib

    from accounts.models import Subscriber
    from articles import newsletter
    from articles.models import NewsletterSend

    the_send = NewsletterSend.objects.get()
    raw = {}
    took, sent, chunk = 0.0, 0, []
    with smtplib.SMTP("127.0.0.1", port) as smtp:

        def mail(chunk):
            started = time.perf_counter()
            for envelope_from, envelope_to, data in chunk:
                smtp.sendmail(envelope_from, envelope_to, data)
            return time.perf_counter() - started

        subscribers = Subscriber.objects.select_related("user").order_by("pk")
        for subscriber in subscribers.iterator(chunk_size=1000):
            language = newsletter.language_of(the_send, subscriber)
            if language not in raw:
                raw[language] = newsletter.RawMessages.build(the_send, language)
            chunk.append(raw[language].render(subscriber))
            if len(chunk) == 1000:
                took += mail(chunk)
                sent += len(chunk)
                chunk = []
        took += mail(chunk)
        sent += len(chunk)
    print(json.dumps({"sent": sent, "seconds": took}))


def resume(url, port):
    """After a SIGKILL: wait out the lease (by telling release_stale the time), send the rest."""
    _django(url, port)
    from django.core.management import call_command
    from django.utils import timezone

    from articles import newsletter
    from articles.models import NewsletterRecipient, NewsletterSend

    the_send = NewsletterSend.objects.get()
    sending = the_send.recipients.filter(status="sending").count()
    later = timezone.now() + newsletter.LEASE + datetime.timedelta(seconds=1)
    interrupted = newsletter.release_stale(the_send, now=later)
    started = time.perf_counter()
    call_command("send_newsletter", SLUG, "--force", verbosity=0)
    took = time.perf_counter() - started
    rows = NewsletterRecipient.objects.filter(send=the_send)
    statuses = dict(collections.Counter(rows.values_list("status", flat=True)))
    in_doubt = list(rows.filter(status="interrupted").values_list("subscriber__email", flat=True))
    print(
        json.dumps(
            {
                "sending_after_kill": sending,
                "interrupted": interrupted,
                "statuses": statuses,
                "in_doubt": in_doubt,
                "seconds": took,
            }
        )
    )


# --- The databases ---------------------------------------------------------------------------


class Databases:
    """Where the subscribers live: a PostgreSQL database per copy, or an SQLite file."""

    def __init__(self, kind, workdir):
        self.kind, self.workdir, self.made = kind, workdir, []

    def url(self, name):
        if self.kind == "sqlite":
            return f"sqlite:///{self.workdir}/{name}.sqlite3"
        return f"{POSTGRES}/{name}"

    def _server(self):
        import psycopg

        try:
            return psycopg.connect(f"{POSTGRES}/postgres", autocommit=True, connect_timeout=3)
        except psycopg.OperationalError as error:
            sys.exit(
                f"PostgreSQL at 127.0.0.1:5432 (user postgres) is not answering: {error}\n"
                "Start it, or run this benchmark on SQLite: bench/newsletter.py --database sqlite"
            )

    def create(self, name, template=None):
        if self.kind == "sqlite":
            if template:
                shutil.copy(f"{self.workdir}/{template}.sqlite3", f"{self.workdir}/{name}.sqlite3")
            return self.url(name)
        with self._server() as server:
            server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            copy = f' TEMPLATE "{template}"' if template else ""
            server.execute(f'CREATE DATABASE "{name}"{copy}')
        self.made.append(name)
        return self.url(name)

    def sent(self, name):
        """How many rows are recorded as sent, read while the sender runs."""
        query = "SELECT count(*) FROM articles_newsletterrecipient WHERE status = 'sent'"
        if self.kind == "sqlite":
            import sqlite3

            with sqlite3.connect(f"{self.workdir}/{name}.sqlite3", timeout=5) as database:
                return database.execute(query).fetchone()[0]
        import psycopg

        with psycopg.connect(self.url(name), autocommit=True) as database:
            return database.execute(query).fetchone()[0]

    def drop_all(self):
        if self.kind == "postgres" and self.made:
            with self._server() as server:
                for name in self.made:
                    server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- The driver ------------------------------------------------------------------------------


def _child(*args):
    result = subprocess.run(  # noqa: S603 - this very file, with arguments made here
        [PYTHON, __file__, *args], capture_output=True, text=True, check=False, cwd=ROOT
    )
    if result.returncode:
        sys.exit(f"bench step {args[0]} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _say(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def measure_memory(databases, workdir, subscribers):
    sink = Sink(workdir)
    try:
        url = databases.create(f"{DATABASE}_small")
        _child("prepare", url, str(sink.port), str(subscribers))
        return _child("send", url, str(sink.port))
    finally:
        sink.stop()


def measure_rates(databases, workdir, url, compare_django):
    sink = Sink(workdir)
    django = None
    try:
        ours = _child("send", url, str(sink.port))
        _say("plain smtplib loop ...")
        baseline = _child("plain", url, str(sink.port))
        if compare_django:
            _say("the send with messages built by Django ...")
            copy = databases.url(f"{DATABASE}_django")
            django = _child("send", copy, str(sink.port), "django")
    finally:
        received = sink.stop()
    return ours, baseline, django, received


def kill_and_resume(databases, workdir, subscribers):
    name = f"{DATABASE}_killed"
    url = databases.url(name)
    sink = Sink(workdir)
    try:
        sender = subprocess.Popen(  # noqa: S603 - this very file
            [PYTHON, __file__, "send", url, str(sink.port)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        sent_at_kill = 0
        while sender.poll() is None:
            sent_at_kill = databases.sent(name)
            if sent_at_kill >= subscribers // 2:
                sender.send_signal(signal.SIGKILL)
                sender.wait()
                break
            time.sleep(0.05)
        else:
            sys.exit("the send ended before half of it was recorded: use more subscribers")
        _say(f"killed with {sent_at_kill:,} recorded as sent; resuming ...")
        resumed = _child("resume", url, str(sink.port))
    finally:
        received = sink.stop()
    everyone = {f"reader{n}@bench.example" for n in range(subscribers)}
    in_doubt = set(resumed["in_doubt"])
    return {
        "sent_at_kill": sent_at_kill,
        "resumed": resumed,
        "twice": sorted(address for address, times in received.items() if times > 1),
        "left_out": sorted(everyone - set(received) - in_doubt),
        "in_doubt": sorted(in_doubt),
        "in_doubt_received": sorted(in_doubt & set(received)),
        "strangers": sorted(set(received) - everyone),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument(
        "--compare-django", action="store_true", help="also send with Django-built messages"
    )
    options = parser.parse_args()
    subscribers = options.subscribers
    workdir = tempfile.mkdtemp(prefix="kindred-newsletter-bench-")
    databases = Databases(options.database, workdir)
    try:
        _say("1,000 subscribers, for the memory figure ...")
        small = measure_memory(databases, workdir, 1_000)
        _say(f"{subscribers:,} subscribers on {options.database} ...")
        sink = Sink(workdir)
        started = time.perf_counter()
        url = databases.create(DATABASE)
        _child("prepare", url, str(sink.port), str(subscribers))
        setup_seconds = time.perf_counter() - started
        sink.stop()
        if options.compare_django:
            databases.create(f"{DATABASE}_django", template=DATABASE)
        databases.create(f"{DATABASE}_killed", template=DATABASE)
        _say("send_newsletter ...")
        rates = measure_rates(databases, workdir, url, options.compare_django)
        _say("send_newsletter killed half-way, then resumed ...")
        killed = kill_and_resume(databases, workdir, subscribers)
    finally:
        databases.drop_all()
        shutil.rmtree(workdir, ignore_errors=True)
    report(options, subscribers, setup_seconds, small, rates, killed)


def report(options, subscribers, setup_seconds, small, rates, killed):
    ours, baseline, django, received = rates
    ours_rate = ours["sent"] / ours["seconds"]
    plain_rate = baseline["sent"] / baseline["seconds"]
    print(
        f"\nNewsletter to {subscribers:,} subscribers (half in Spanish) on {options.database}, "
        f"through a local aiosmtpd sink (setup {setup_seconds:.1f} s):"
    )
    print(f"  {'':28} {'sent':>8} {'seconds':>8} {'mails/s':>8} {'peak MB':>8}")
    rows = [
        ("Kindred send_newsletter", ours, f"{ours['peak_mb']:>8.0f}"),
        ("plain smtplib loop", baseline, f"{'':>8}"),
    ]
    if django:
        rows.append(("Kindred, built by Django", django, f"{django['peak_mb']:>8.0f}"))
    for label, row, peak in rows:
        rate = row["sent"] / row["seconds"]
        print(f"  {label:28} {row['sent']:>8,} {row['seconds']:>8.2f} {rate:>8.0f} {peak}")
    print(f"  ratio (Kindred / plain loop): {ours_rate / plain_rate:.2f}  (target >= 0.5)")
    if django:
        django_rate = django["sent"] / django["seconds"]
        print(f"  ratio (built by Django / plain loop): {django_rate / plain_rate:.2f}")
    print(
        f"  peak memory of the sending process: {small['peak_mb']:.0f} MB with 1,000 "
        f"subscribers, {ours['peak_mb']:.0f} MB with {subscribers:,} (Django loaded: "
        f"{ours['base_mb']:.0f} MB; target < 200 MB)"
    )
    print(f"  the sink received {sum(received.values()):,} messages (all sends but the killed one)")
    resumed = killed["resumed"]
    print(
        f"  killed with SIGKILL after {killed['sent_at_kill']:,} recorded as sent "
        f"({resumed['sending_after_kill']} rows left 'sending', {resumed['interrupted']} of them "
        f"'interrupted'); resumed in {resumed['seconds']:.1f} s: "
        f"{len(killed['twice'])} mailed twice, {len(killed['left_out'])} left out, "
        f"{len(killed['in_doubt'])} in doubt (of which the sink had "
        f"{len(killed['in_doubt_received'])}); rows: {resumed['statuses']}"
    )
    failures = []
    for label, row in (("send_newsletter", ours), ("built by Django", django)):
        if row and row["sent"] != subscribers:
            failures.append(f"{label}: only {row['sent']:,} of {subscribers:,} were sent")
    if killed["twice"] or killed["left_out"] or killed["strangers"]:
        failures.append(
            f"after the kill: twice {killed['twice'][:5]}, left out {killed['left_out'][:5]}, "
            f"unknown {killed['strangers'][:5]}"
        )
    if len(killed["in_doubt"]) > 1:
        failures.append(f"{len(killed['in_doubt'])} in doubt after one killed worker")
    if ours_rate / plain_rate < 0.5 or ours["peak_mb"] >= 200:
        failures.append("a target was missed (see above)")
    if failures:
        sys.exit("\n".join(failures))


if __name__ == "__main__":
    step = sys.argv[1] if len(sys.argv) > 1 else ""
    if step == "sink":
        sink(int(sys.argv[2]), sys.argv[3])
    elif step == "prepare":
        prepare(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif step == "send":
        send(sys.argv[2], int(sys.argv[3]), *sys.argv[4:])
    elif step == "plain":
        plain(sys.argv[2], int(sys.argv[3]))
    elif step == "resume":
        resume(sys.argv[2], int(sys.argv[3]))
    else:
        main()
