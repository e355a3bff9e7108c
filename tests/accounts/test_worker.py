"""`manage.py db_worker` (accounts' own): it waits out a database outage instead of exiting, and
the task the outage cut off runs again, once."""

import time

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.db.utils import OperationalError
from django_tasks_db.models import DBTaskResult

from accounts import mail as kindred_mail
from accounts.models import Delivery

# The worker closes database connections between tasks, so these tests need real commits.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def outage(monkeypatch):
    """outage.start(n): the next n attempts to use the database fail as when its server is gone.
    The worker's pauses are recorded instead of slept."""

    class Outage:
        failures_left = 0
        pauses = []

        def start(self, failures):
            self.failures_left = failures

    state = Outage()
    real_ensure_connection = connection.ensure_connection

    def ensure_connection():
        if state.failures_left:
            state.failures_left -= 1
            raise OperationalError("server closed the connection unexpectedly")
        return real_ensure_connection()

    monkeypatch.setattr(connection, "ensure_connection", ensure_connection)
    monkeypatch.setattr(time, "sleep", state.pauses.append)
    return state


def _run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def _queue_mail():
    return kindred_mail.queue_message(
        key="hello:1", to="reader@example.org", subject="Hello", text="Plain words"
    )


def test_the_worker_waits_for_the_database_then_sends_the_mail(database_tasks, outage):
    delivery = _queue_mail()
    outage.start(5)  # the worker's first look at the queue, then four attempts to reconnect

    _run_worker()  # returns once the queue is empty: it did not exit on the outage

    assert [message.to for message in mail.outbox] == [["reader@example.org"]]
    assert Delivery.objects.get(pk=delivery.pk).status == Delivery.Status.SENT
    assert outage.pauses[:4] == [1, 2, 4, 8]  # it waited longer each time


def test_a_task_the_outage_cut_off_runs_again_and_mails_once(database_tasks, outage, monkeypatch):
    delivery = _queue_mail()
    real_deliver = kindred_mail.deliver

    def database_goes_away_as_the_task_starts(delivery_id):
        monkeypatch.setattr(kindred_mail, "deliver", real_deliver)
        outage.start(6)  # the task's own query, the three tries to record its failure, ...
        return real_deliver(delivery_id)

    monkeypatch.setattr(kindred_mail, "deliver", database_goes_away_as_the_task_starts)

    _run_worker()

    assert len(mail.outbox) == 1
    assert Delivery.objects.get(pk=delivery.pk).status == Delivery.Status.SENT
    cut_off, again = DBTaskResult.objects.order_by("enqueued_at")
    assert cut_off.status == "FAILED" and cut_off.exception_class_path.endswith(".CutOff")
    assert str(again.id) in cut_off.traceback
    assert again.status == "SUCCESSFUL"
    assert not DBTaskResult.objects.filter(status="RUNNING").exists()
