"""The task worker (`manage.py db_worker`, as kindred-worker runs it) rides out a lost database:
it waits, reconnects by itself, and the mail queued meanwhile goes out once."""

import os
import signal
import subprocess
import sys
import time

import pytest

from accounts import mail as kindred_mail
from accounts.models import Delivery
from tests.integration.servers import ROOT, SECRET_KEY, servers_database_url, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def start_worker(tmp_path):
    processes = []

    def start(database_url, smtp_port):
        log = tmp_path / "worker.log"
        env = {
            **os.environ,
            "DEBUG": "0",
            "SECRET_KEY": SECRET_KEY,
            "DATABASE_URL": database_url,
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
            "TASKS_BACKEND": "database",
        }
        with open(log, "ab") as out:
            process = subprocess.Popen(  # noqa: S603 - our own manage.py
                [sys.executable, "manage.py", "db_worker", "--no-startup-delay"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        processes.append(process)
        process.log = lambda: log.read_text(errors="replace")
        return process

    yield start
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=15)


def test_the_worker_waits_out_a_database_outage_and_then_sends_the_mail(
    settings, database_cable, inbox, start_worker
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    worker = start_worker(servers_database_url(("127.0.0.1", database_cable.port)), inbox.port)
    wait_for(lambda: "Starting worker" in worker.log(), 30, "the worker did not start")

    database_cable.cut()
    wait_for(lambda: "The database is unavailable" in worker.log(), 15, "the worker saw no outage")
    delivery = kindred_mail.queue_message(  # by the web server, which reaches the database
        key="outage:1", to="reader@example.org", subject="Hello", text="Plain words"
    )
    time.sleep(2)
    assert worker.poll() is None, worker.log()  # still there, waiting
    assert inbox.messages == []

    database_cable.start()  # plugged back in, same address

    wait_for(lambda: inbox.messages, 45, "the mail did not go out after the outage")
    assert [envelope.rcpt_tos for envelope in inbox.messages] == [["reader@example.org"]]
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert "The database answers again" in worker.log()
    assert worker.poll() is None
