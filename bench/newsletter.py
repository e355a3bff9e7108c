"""Benchmark (never part of `make test`): one article to 10,000 subscribers over real SMTP.

Three processes: an aiosmtpd sink that accepts and counts mail, the sender, and this driver.
The sender runs `send_newsletter` (the same batches, claims and records as the workers use) and
reports its rate and peak memory; then a plain `smtplib` loop sends the same messages, already
built, over one connection: the most this machine's SMTP path allows. The ratio is the figure.
The same send runs a second time on a copy of the database with every message built by Django
(`EmailMultiAlternatives`, as any other backend than SMTP gets them), so each run shows what the
byte-level path (articles/newsletter.py `RawMessages`) is worth on this machine at this moment.
Peak memory is measured for 1,000 and for 10,000 subscribers to show it does not grow with them.

    make bench                # or: .venv/bin/python bench/newsletter.py [--subscribers N]
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
sys.path.insert(0, str(ROOT))  # run as a script: the project's own modules

from kindred.ports import free_port  # noqa: E402


def _django(database, port):
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["SITE_URL"] = "https://kindred.example"
    os.environ["EMAIL_URL"] = f"smtp://127.0.0.1:{port}"
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()


# --- The sink --------------------------------------------------------------------------------


def sink(port):
    """Accept every message and count it; print the count when stopped."""
    import asyncio
    import signal

    from aiosmtpd.controller import Controller

    class Count:
        messages = 0

        async def handle_DATA(self, server, session, envelope):
            Count.messages += 1
            return "250 OK"

    controller = Controller(Count(), hostname="127.0.0.1", port=port, data_size_limit=0)
    controller.start()
    print("ready", flush=True)
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.run_until_complete(stop.wait())
    controller.stop()
    print(Count.messages, flush=True)


# --- The sender and the plain loop -----------------------------------------------------------


def prepare(database, port, subscribers):
    _django(database, port)
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
                unsubscribe_key=f"bench-{n:08d}-{os.urandom(8).hex()}",
            )
        )
        if len(batch) == 2000:
            Subscriber.objects.bulk_create(batch)
            batch = []
    Subscriber.objects.bulk_create(batch)
    Article.objects.create(
        title="Pacing your energy through the week",
        slug="pacing-your-energy",
        summary="Small ways to spread effort across the day so the evenings stay yours.",
        body="## Why pacing helps\n\nA short body for the benchmark.",
        status=Article.Status.PUBLISHED,
        published_at=now,
        newsletter=False,  # sent by the command below, not by publish_due
    )


def send(database, port, path="as shipped"):
    _django(database, port)
    from django.core.management import call_command

    if path == "django":
        from articles import newsletter

        newsletter.RawMessages.build = classmethod(
            lambda cls, send, language=None: None
        )  # no byte-level path

    rss_before = _peak_mb()
    started = time.perf_counter()
    call_command("send_newsletter", "pacing-your-energy", "--force", verbosity=0)
    took = time.perf_counter() - started
    from articles.models import NewsletterRecipient

    sent = NewsletterRecipient.objects.filter(status="sent").count()
    print(json.dumps({"sent": sent, "seconds": took, "peak_mb": _peak_mb(), "base_mb": rss_before}))


def plain(database, port):
    """The same messages, built beforehand, sent by smtplib alone over one connection."""
    _django(database, port)
    import smtplib

    from django.conf import settings

    from accounts.models import Subscriber
    from articles import newsletter
    from articles.models import NewsletterSend

    the_send = NewsletterSend.objects.get()
    prepared = [
        (
            subscriber.email,
            newsletter.message_for(the_send, subscriber).message().as_bytes(linesep="\r\n"),
        )
        for subscriber in Subscriber.objects.order_by("pk").iterator()
    ]
    sender = settings.DEFAULT_FROM_EMAIL
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for address, data in prepared:
            smtp.sendmail(sender, [address], data)
    took = time.perf_counter() - started
    print(json.dumps({"sent": len(prepared), "seconds": took}))


def _peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- The driver ------------------------------------------------------------------------------


def _child(*args):
    result = subprocess.run(  # noqa: S603 - this very file, with arguments made here
        [PYTHON, __file__, *args], capture_output=True, text=True, check=False, cwd=ROOT
    )
    if result.returncode:
        sys.exit(f"bench step {args[0]} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1]) if args[0] != "prepare" else None


def run(subscribers):
    workdir = tempfile.mkdtemp(prefix="kindred-newsletter-bench-")
    database = f"{workdir}/bench.sqlite3"
    port = free_port()
    sink_process = subprocess.Popen(  # noqa: S603 - this very file
        [PYTHON, __file__, "sink", str(port)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert sink_process.stdout.readline().strip() == "ready"
        _child("prepare", database, str(port), str(subscribers))
        shutil.copy(database, f"{database}.django")
        ours = _child("send", database, str(port))
        baseline = _child("plain", database, str(port))
        django = _child("send", f"{database}.django", str(port), "django")
    finally:
        sink_process.terminate()
        received = int(sink_process.communicate(timeout=30)[0].split()[-1])
    return ours, baseline, django, received


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    options = parser.parse_args()
    small, _, _, _ = run(1_000)
    ours, baseline, django, received = run(options.subscribers)
    ours_rate = ours["sent"] / ours["seconds"]
    plain_rate = baseline["sent"] / baseline["seconds"]
    django_rate = django["sent"] / django["seconds"]
    print(f"\nNewsletter to {options.subscribers:,} subscribers through a local aiosmtpd sink:")
    print(f"  {'':28} {'sent':>7} {'seconds':>8} {'mails/s':>8} {'peak MB':>8}")
    print(
        f"  {'Kindred send_newsletter':28} {ours['sent']:>7,} {ours['seconds']:>8.2f} "
        f"{ours_rate:>8.0f} {ours['peak_mb']:>8.0f}"
    )
    print(
        f"  {'plain smtplib loop':28} {baseline['sent']:>7,} {baseline['seconds']:>8.2f} "
        f"{plain_rate:>8.0f} {'':>8}"
    )
    print(
        f"  {'Kindred, built by Django':28} {django['sent']:>7,} {django['seconds']:>8.2f} "
        f"{django_rate:>8.0f} {django['peak_mb']:>8.0f}"
    )
    print(f"  ratio (Kindred / plain loop): {ours_rate / plain_rate:.2f}  (target >= 0.5)")
    print(f"  ratio (built by Django / plain loop): {django_rate / plain_rate:.2f}")
    print(
        f"  peak memory: {small['peak_mb']:.0f} MB with 1,000 subscribers, "
        f"{ours['peak_mb']:.0f} MB with {options.subscribers:,} "
        f"(Django loaded: {ours['base_mb']:.0f} MB; target < 200 MB)"
    )
    print(f"  the sink received {received:,} messages (all three runs)")
    for row in (ours, django):
        if row["sent"] != options.subscribers:
            sys.exit(f"only {row['sent']} of {options.subscribers} were sent")


if __name__ == "__main__":
    step = sys.argv[1] if len(sys.argv) > 1 else ""
    if step == "sink":
        sink(int(sys.argv[2]))
    elif step == "prepare":
        prepare(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif step == "send":
        send(sys.argv[2], int(sys.argv[3]), *sys.argv[4:])
    elif step == "plain":
        plain(sys.argv[2], int(sys.argv[3]))
    else:
        main()
