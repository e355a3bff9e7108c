"""Sign-up, subscribe and password reset do the same work for a known address as for a new one,
so the time they take does not tell who is a member or a subscriber (bench/enumeration.py has
the timings)."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks import default_task_backend

from accounts.models import Delivery, Subscriber

pytestmark = pytest.mark.django_db

SIGNUP = {
    "display_name": "Sample Newcomer",
    "password1": "correct-horse-battery",
    "password2": "correct-horse-battery",
    "agrees_to_terms": "on",
}


@pytest.fixture
def hasher_calls(monkeypatch):
    calls = []
    encode = MD5PasswordHasher.encode

    def counting(self, password, salt):
        calls.append(password)
        return encode(self, password, salt)

    monkeypatch.setattr(MD5PasswordHasher, "encode", counting)
    return calls


def test_signup_hashes_the_password_whether_or_not_the_address_is_taken(
    client, member, hasher_calls
):
    client.post("/accounts/signup/", {**SIGNUP, "email": member.email})
    taken = len(hasher_calls)
    type(client)().post("/accounts/signup/", {**SIGNUP, "email": "new@example.org"})
    assert taken == len(hasher_calls) - taken == 1
    assert [m.to for m in mail.outbox] == [[member.email], ["new@example.org"]]


def _shape(queries):
    """What each query does, without its values."""
    return [re.sub(r"'[^']*'|\b\d+\b|\"s\d+_x\d+\"", "?", q["sql"]) for q in queries]


@pytest.fixture
def queued_tasks(settings):
    """Tasks are kept, not run, as with the database backend before the worker picks them up."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    default_task_backend.clear()
    return default_task_backend.results


def _subscribe_work(email, queued_tasks, client_class):
    before = len(queued_tasks)
    with CaptureQueriesContext(connection) as queries:
        response = client_class().post("/subscribe/", {"name": "Sample Reader", "email": email})
    assert response.status_code == 302
    return _shape(queries.captured_queries), len(queued_tasks) - before


@pytest.mark.parametrize("state", ["subscribed", "waiting", "unsubscribed"])
def test_subscribe_does_the_same_work_for_a_known_address(
    client, make_subscriber, queued_tasks, state
):
    known = make_subscriber(confirmed=state != "waiting")
    if state == "unsubscribed":
        Subscriber.objects.filter(pk=known.pk).update(unsubscribed_at=known.created_at)
    fresh = _subscribe_work("new@example.org", queued_tasks, type(client))
    assert _subscribe_work(known.email, queued_tasks, type(client)) == fresh
    assert fresh[1] == 1  # the mail (if one is due) is decided and sent by a task
    assert mail.outbox == []


def test_the_subscribe_task_mails_only_an_address_that_needs_confirming(client, make_subscriber):
    known = make_subscriber()
    client.post("/subscribe/", {"name": "Sample Reader", "email": known.email})
    client.post("/subscribe/", {"name": "Sample Reader", "email": "new@example.org"})
    assert [m.to for m in mail.outbox] == [["new@example.org"]]


def test_password_reset_does_the_same_work_for_members_and_strangers(client, member):
    EmailAddress.objects.create(user=member, email=member.email, verified=True, primary=True)
    with CaptureQueriesContext(connection) as known:
        client.post("/accounts/password/reset/", {"email": member.email})
    with CaptureQueriesContext(connection) as unknown:
        type(client)().post("/accounts/password/reset/", {"email": "stranger@example.org"})
    # Both: look the address up, write the mail's Delivery and send it while the visitor waits.
    # The member's side reads their addresses once more for the reset token (one indexed
    # SELECT, well under a millisecond: bench/enumeration.py).
    assert 0 <= len(known.captured_queries) - len(unknown.captured_queries) <= 1
    assert [m.to for m in mail.outbox] == [[member.email], ["stranger@example.org"]]
    assert Delivery.objects.filter(status=Delivery.Status.SENT).count() == 2
