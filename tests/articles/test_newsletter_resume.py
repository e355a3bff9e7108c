"""A send killed half-way and resumed: nobody mailed twice, nobody left out but the one mail that
may have been in flight, which staff see as "interrupted (may have been sent)".

Rows go out one by one, each recorded before the next one's SMTP transaction begins
(articles/newsletter.py, CLAIMED_AT_ONCE): the first test kills a real `send_newsletter` process
with SIGKILL and counts what a real SMTP server received; the others stop the worker at the
exact moments that matter."""

import collections
import datetime
import io
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from articles import newsletter
from articles.models import NewsletterRecipient
from kindred.ports import free_port
from tests.articles.test_newsletter_smtp import smtp  # noqa: F401 (a fixture)
from tests.conftest import SMTPInbox
from tests.integration.servers import ROOT, SECRET_KEY, servers_database_url, wait_for

Status = NewsletterRecipient.Status
MINUTE = datetime.timedelta(minutes=1)
READERS = 300


@pytest.fixture
def make_readers(make_subscriber):
    """Subscribers, every other one reading Spanish (so both languages' messages go out)."""

    def make(count):
        return [
            make_subscriber(
                email=f"reader{n}@example.org",
                name=f"Sample Reader {n}",
                language="es" if n % 2 else "en",
            )
            for n in range(count)
        ]

    return make


@pytest.fixture
def fresh(make_article):
    return make_article(title="Pacing your energy", published_at=timezone.now() - MINUTE)


@pytest.fixture
def worker_database(tmp_path):
    """The address at which another process reaches this test's database: PostgreSQL's test
    database itself; for SQLite (an in-memory test database) a copy in a file, made when the
    test has written its rows."""
    if connection.vendor == "postgresql":
        return lambda: servers_database_url()

    def copy():
        path = tmp_path / "worker.sqlite3"
        with connection.cursor() as cursor:
            cursor.execute("VACUUM INTO %s", [str(path)])
        return f"sqlite:///{path}"

    return copy


def _manage(database_url, smtp_port, *args, background=False):
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": database_url,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "TASKS_BACKEND": "immediate",
    }
    command = [sys.executable, "manage.py", *args]
    if background:
        return subprocess.Popen(  # noqa: S603 - our own manage.py
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
    result = subprocess.run(  # noqa: S603 - our own manage.py
        command, cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def _json(output):
    return json.loads(output.strip().splitlines()[-1])


# Run in the worker's database (`manage.py shell -c`): the rows a killed worker left "sending",
# and then the 15-minute lease let run out on them, as if a quarter of an hour had gone by.
LEASE_RUNS_OUT = """
import json
from django.db.models import F
from articles.models import NewsletterRecipient
from articles.newsletter import LEASE
held = NewsletterRecipient.objects.filter(status="sending").order_by("pk")
print(json.dumps(list(held.values_list("subscriber__email", flat=True))))
held.update(claimed_at=F("claimed_at") - 2 * LEASE)
"""
STATES = """
import json
from articles.models import NewsletterRecipient
print(json.dumps(dict(NewsletterRecipient.objects.values_list("subscriber__email", "status"))))
"""


@pytest.mark.django_db(transaction=True)
def test_a_send_killed_half_way_resumes_without_mailing_anyone_twice(
    inbox, make_readers, fresh, worker_database
):
    readers = make_readers(READERS)
    database_url = worker_database()
    sender = _manage(database_url, inbox.port, "send_newsletter", fresh.slug, background=True)
    try:
        wait_for(lambda: len(inbox.addresses) >= READERS // 2 + 7, 60, "half the mail")
    finally:
        sender.send_signal(signal.SIGKILL)
        _, errors = sender.communicate(timeout=30)
    assert sender.returncode == -signal.SIGKILL, errors.decode()[-3000:]
    time.sleep(0.5)  # whatever was on its way reaches the server
    before_kill = list(inbox.addresses)
    assert len(before_kill) < READERS, "the send ended before the kill; kill it earlier"
    held = _json(_manage(database_url, inbox.port, "shell", "-c", LEASE_RUNS_OUT))

    _manage(database_url, inbox.port, "send_newsletter", fresh.slug)  # the resume

    states = _json(_manage(database_url, inbox.port, "shell", "-c", STATES))
    received = collections.Counter(inbox.addresses)
    everyone = {reader.email for reader in readers}
    interrupted = {address for address, status in states.items() if status == Status.INTERRUPTED}
    assert set(received) <= everyone and max(received.values()) == 1  # nobody twice
    assert set(states.values()) <= {Status.SENT, Status.INTERRUPTED}
    assert {a for a, status in states.items() if status == Status.SENT} <= set(received)
    assert everyone - set(received) <= interrupted  # nobody left out but the one in doubt
    # The one in doubt is the first row the killed worker left "sending", the mail that was on
    # its way; the rest of its claim had never gone out, and went out once, after the resume.
    assert interrupted == set(held[:1])
    assert not set(held[1:]) & set(before_kill)


def _lease_runs_out():
    return timezone.now() + newsletter.LEASE + MINUTE


def _statuses(send):
    return dict(send.recipients.values_list("subscriber__email", "status"))


@pytest.mark.django_db
def test_killed_after_the_server_took_a_mail_but_before_its_record_only_that_one_is_in_doubt(
    smtp,  # noqa: F811 (the fixture)
    make_readers,
    fresh,
    monkeypatch,
):
    readers = make_readers(30)
    send, _ = newsletter.start(fresh, "test", queue=False)
    recorded = newsletter._record_sent
    calls = []

    def killed_at_the_fifth(row):
        calls.append(row)
        if len(calls) == 5:
            raise KeyboardInterrupt("worker killed")
        return recorded(row)

    monkeypatch.setattr(newsletter, "_record_sent", killed_at_the_fifth)
    with pytest.raises(KeyboardInterrupt):
        newsletter.send_batch(send.pk)
    monkeypatch.undo()
    assert [envelope.rcpt_tos[0] for envelope in smtp.messages] == [r.email for r in readers[:5]]
    counts = newsletter.counts(send)
    claimed = min(newsletter.CLAIMED_AT_ONCE, len(readers))
    assert counts[Status.SENT] == 4 and counts[Status.SENDING] == claimed - 4

    assert newsletter.release_stale(send, _lease_runs_out()) == 1
    while newsletter.has_work_now(send):
        newsletter.send_batch(send.pk)

    statuses = _statuses(send)
    assert statuses.pop(readers[4].email) == Status.INTERRUPTED  # it did go out: in doubt
    assert set(statuses.values()) == {Status.SENT}
    received = collections.Counter(envelope.rcpt_tos[0] for envelope in smtp.messages)
    assert set(received) == {r.email for r in readers} and set(received.values()) == {1}


@pytest.mark.django_db
def test_a_worker_that_outlived_its_lease_stops_before_mailing_what_was_given_up(
    smtp,  # noqa: F811 (the fixture)
    make_readers,
    fresh,
    monkeypatch,
):
    """Stuck for more than the lease on its first mail: the row becomes interrupted, the rest
    of its claim goes back to the queue, and the worker, once unstuck, mails none of it."""
    readers = make_readers(30)
    send, _ = newsletter.start(fresh, "test", queue=False)
    begin = newsletter._Outbox.begin
    stuck = []

    def stuck_on_the_first(outbox, row):
        if not stuck:
            stuck.append(row)
            newsletter.release_stale(send, _lease_runs_out())  # publish_due, meanwhile
        return begin(outbox, row)

    monkeypatch.setattr(newsletter._Outbox, "begin", stuck_on_the_first)
    assert newsletter.send_batch(send.pk) == 1  # the one it was on, and then it stopped
    assert [envelope.rcpt_tos[0] for envelope in smtp.messages] == [readers[0].email]
    assert newsletter.counts(send)[Status.INTERRUPTED] == 1

    while newsletter.has_work_now(send):
        newsletter.send_batch(send.pk)
    received = collections.Counter(envelope.rcpt_tos[0] for envelope in smtp.messages)
    assert set(received) == {r.email for r in readers} and set(received.values()) == {1}
    assert _statuses(send)[readers[0].email] == Status.INTERRUPTED


@pytest.mark.django_db
def test_rows_left_by_a_worker_of_the_earlier_version_are_all_in_doubt(make_readers, fresh):
    """Before this version a claim's 20 rows were recorded together: any of them may be out."""
    make_readers(5)
    send, _ = newsletter.start(fresh, "test", queue=False)
    long_ago = timezone.now() - 2 * newsletter.LEASE
    first = send.recipients.order_by("pk")[:3].values_list("pk", flat=True)
    send.recipients.filter(pk__in=list(first)).update(
        status=Status.SENDING, claim="0123456789abcdef0123456789abcdef", claimed_at=long_ago
    )
    assert newsletter.release_stale(send) == 3
    assert newsletter.counts(send)[Status.INTERRUPTED] == 3


@pytest.mark.django_db
def test_the_command_says_what_a_stopped_worker_still_holds(make_readers, fresh):
    make_readers(5)
    send, _ = newsletter.start(fresh, "test", queue=False)
    newsletter.claim_batch(send, 2)  # a worker takes two rows, then stops
    out = io.StringIO()
    call_command("send_newsletter", fresh.slug, stdout=out, stderr=io.StringIO())
    assert "3 sent" in out.getvalue()
    assert "2 addresses are still held by workers (stopped, or still sending)" in out.getvalue()


class _DropsAfterTaking(SMTPInbox):
    """Takes every message, but closes the connection instead of answering the `drop_at`-th."""

    def __init__(self, drop_at):
        super().__init__()
        self.drop_at = drop_at

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        reply = await super().handle_DATA(server, session, envelope)
        if len(self.addresses) == self.drop_at:
            server.transport.close()
        return reply


@pytest.mark.django_db
def test_a_connection_lost_as_the_server_takes_a_mail_leaves_that_mail_in_doubt(
    settings, make_readers, fresh
):
    server = _DropsAfterTaking(drop_at=3)
    controller = Controller(server, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        readers = make_readers(6)
        send, _ = newsletter.start(fresh, "test", queue=False)
        newsletter.send_batch(send.pk)
        statuses = _statuses(send)
        assert statuses[readers[2].email] == Status.INTERRUPTED  # the server has it
        assert [statuses[r.email] for r in readers[3:]] == [Status.RETRYING] * 3

        NewsletterRecipient.objects.filter(status=Status.RETRYING).update(
            next_attempt_at=timezone.now()
        )
        newsletter.send_batch(send.pk)
    finally:
        controller.stop()
    assert sorted(server.addresses) == sorted(r.email for r in readers)  # each one once
    assert "lost just as it was taking this mail" in _interrupted_error(send)


def _interrupted_error(send):
    return send.recipients.get(status=Status.INTERRUPTED).last_error


@pytest.mark.django_db(transaction=True)
def test_a_worker_whose_record_finds_its_row_given_up_stops_before_the_next_mail_ends(
    inbox, settings, make_readers, fresh, monkeypatch
):
    """Outside a transaction, as in a worker (on PostgreSQL the record goes ahead while the
    next mail is begun). The lease runs out just after the server took the 4th mail."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", inbox.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    readers = make_readers(30)
    send, _ = newsletter.start(fresh, "test", queue=False)
    end = newsletter._Outbox.end

    def lease_runs_out_after_the_fourth(outbox):
        error = end(outbox)
        if len(inbox.addresses) == 4:
            newsletter.release_stale(send, _lease_runs_out())  # publish_due, meanwhile
        return error

    monkeypatch.setattr(newsletter._Outbox, "end", lease_runs_out_after_the_fourth)
    newsletter.send_batch(send.pk)
    monkeypatch.undo()
    # The 4th mail was out and unrecorded: the one in doubt. The 5th, begun while its record
    # was on its way, was dropped before its end, and the worker stopped.
    assert inbox.addresses == [r.email for r in readers[:4]]
    statuses = _statuses(send)
    assert [statuses[r.email] for r in readers[:5]] == [Status.SENT] * 3 + [
        Status.INTERRUPTED,
        Status.QUEUED,
    ]

    while newsletter.has_work_now(send):
        newsletter.send_batch(send.pk)
    assert sorted(inbox.addresses) == sorted(r.email for r in readers)  # each one once
