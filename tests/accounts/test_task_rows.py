"""With TASKS_BACKEND=database the task table keeps every task's arguments, result and
traceback: tasks take row ids only, and finished rows are purged (purge_task_results)."""

import datetime
import io
import json
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts import mail as kindred_mail
from accounts import tasks
from accounts.models import AddressClaim, Subscriber

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


# The worker closes database connections between tasks, so these tests need real commits.
@pytest.mark.django_db(transaction=True)
def test_no_task_row_holds_a_name_an_address_or_a_browser_key(settings, article, post_comment):
    settings.TASKS = DATABASE_TASKS
    browser = Client()
    browser.post("/subscribe/", {"name": "Gina Realname", "email": "gina@example.org"})
    _run_worker()
    post_comment(browser, article, body="Hello from Gina")
    link = re.search(r"/subscribe/confirm/[^/\s]+/", mail.outbox[-1].body).group(0)
    browser.post(link)
    _run_worker()
    guest_key = browser.session["guest_key"]
    rows = list(DBTaskResult.objects.values("args_kwargs", "return_value", "traceback"))
    assert len(rows) >= 2  # the subscribe decision and the mails it sent
    stored = json.dumps(rows, ensure_ascii=False)
    for personal in ("Gina Realname", "gina@example.org", guest_key):
        assert personal not in stored


@pytest.mark.django_db(transaction=True)
def test_finished_task_rows_go_after_the_retention_and_twice_is_harmless(settings):
    settings.TASKS = DATABASE_TASKS
    settings.TASK_RESULT_RETENTION_HOURS = 24
    Client().post("/subscribe/", {"name": "Sample Reader", "email": "old@example.org"})
    _run_worker()
    DBTaskResult.objects.update(finished_at=timezone.now() - datetime.timedelta(hours=25))
    Client().post("/subscribe/", {"name": "Sample Reader", "email": "recent@example.org"})
    _run_worker()  # finished just now: kept
    Client().post("/subscribe/", {"name": "Sample Reader", "email": "queued@example.org"})
    kept = DBTaskResult.objects.filter(finished_at__gt=timezone.now() - datetime.timedelta(hours=1))
    kept_ids = set(kept.values_list("pk", flat=True))
    waiting_ids = set(DBTaskResult.objects.filter(finished_at=None).values_list("pk", flat=True))
    assert kept_ids and waiting_ids

    call_command("purge_task_results", stdout=io.StringIO())
    call_command("purge_task_results", stdout=io.StringIO())
    assert set(DBTaskResult.objects.values_list("pk", flat=True)) == kept_ids | waiting_ids


@pytest.mark.django_db
def test_names_typed_with_an_address_go_once_its_links_have_expired(client, settings):
    client.post("/subscribe/", {"name": "Sample Reader", "email": "reader@example.org"})
    Client().post("/subscribe/", {"name": "Someone Else", "email": "reader@example.org"})
    old, recent = AddressClaim.objects.order_by("pk")
    age = datetime.timedelta(seconds=settings.CONFIRMATION_MAX_AGE_SECONDS, hours=2)
    AddressClaim.objects.filter(pk=old.pk).update(updated_at=timezone.now() - age)
    call_command("purge_task_results", stdout=io.StringIO())
    assert list(AddressClaim.objects.values_list("name", flat=True)) == ["Someone Else"]


@pytest.mark.django_db
def test_a_subscribe_task_queued_before_the_upgrade_still_mails(make_subscriber):
    waiting = make_subscriber(email="reader@example.org", confirmed=False)
    tasks.confirm_subscription.enqueue(waiting.pk, "Sample Reader", "an-old-browser-key")
    (message,) = mail.outbox
    assert message.to == ["reader@example.org"] and "Hello Sample Reader," in message.body
    assert Subscriber.objects.get().claims.get().guest_key == "an-old-browser-key"


@pytest.mark.django_db(transaction=True)
def test_mail_queued_by_the_release_before_tasks_moved_is_still_sent(settings):
    settings.TASKS = DATABASE_TASKS
    kindred_mail.queue_message(key="hello:1", to="reader@example.org", subject="Hi", text="Hi")
    (queued,) = DBTaskResult.objects.all()
    assert queued.task_path == "accounts.mail.deliver_mail"
    DBTaskResult.objects.filter(pk=queued.pk).update(task_path="accounts.tasks.deliver_mail")
    _run_worker()
    (message,) = mail.outbox
    assert message.to == ["reader@example.org"]
