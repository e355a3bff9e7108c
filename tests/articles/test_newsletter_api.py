"""The newsletter through an email service's HTTP API (anymail, EMAIL_URL=mailgun://... and the
like) rather than SMTP. What anymail raises is an OSError (requests' exceptions are), which the
send once took for a lost connection: a mail the service took but answered late went again,
and one address it refused kept the rest of every batch from their mail."""

import datetime

import pytest
import requests
from anymail.exceptions import AnymailRequestsAPIError
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone

from articles import newsletter
from articles.models import NewsletterRecipient

pytestmark = pytest.mark.django_db

Status = NewsletterRecipient.Status


def _as_anymail_raises(requests_error, text):
    """anymail's error for a failed API call: its own class and the requests error's."""
    both = type("AnymailRequestsAPIError", (AnymailRequestsAPIError, requests_error), {})
    return both(text)


class EmailService(EmailBackend):
    """An email service's API, as anymail's backends talk to it (not SMTP, so the newsletter
    builds each message the ordinary way). `slow_answer`: the service takes the message but
    its answer comes after anymail's timeout. `invalid`: addresses it answers 400 for."""

    slow_answer: set = set()
    invalid: set = set()
    unreachable = False

    def send_messages(self, messages):
        if EmailService.unreachable:
            raise _as_anymail_raises(requests.ConnectTimeout, "api.example: timed out (10 s)")
        for message in messages:
            (to,) = message.to
            if to in EmailService.invalid:
                raise _as_anymail_raises(requests.HTTPError, "400 'to' parameter is not valid")
            if to in EmailService.slow_answer:
                mail.outbox.append(message)  # the service has it and will deliver it
                raise _as_anymail_raises(requests.ReadTimeout, "Read timed out. (30 s)")
        return super().send_messages(messages)


@pytest.fixture(autouse=True)
def _email_service(settings):
    settings.EMAIL_BACKEND = f"{__name__}.EmailService"
    EmailService.slow_answer, EmailService.invalid = set(), set()
    EmailService.unreachable = False


@pytest.fixture
def fresh(make_article):
    return make_article(
        title="Pacing your energy", published_at=timezone.now() - datetime.timedelta(minutes=1)
    )


def _pauses_pass():
    NewsletterRecipient.objects.filter(status=Status.RETRYING).update(
        next_attempt_at=timezone.now() - datetime.timedelta(seconds=1)
    )


def _send_until_done(send):
    for _ in range(newsletter.MAX_ATTEMPTS + 1):
        newsletter.send_batch(send.pk)
        _pauses_pass()


def test_a_mail_the_service_took_but_answered_too_late_is_not_mailed_again(fresh, make_subscriber):
    reader = make_subscriber(email="reader@example.org")
    EmailService.slow_answer = {reader.email}
    send, _ = newsletter.start(fresh, "test", queue=False)

    newsletter.send_batch(send.pk)
    EmailService.slow_answer = set()  # the service answers in time again
    _send_until_done(send)

    assert [message.to for message in mail.outbox] == [[reader.email]]  # once, not twice


def test_one_address_the_service_refuses_does_not_keep_the_rest_from_their_mail(
    fresh, make_subscriber
):
    invalid = make_subscriber(email="not-valid@example.org")  # the first of every claim
    readers = [make_subscriber(email=f"reader{n}@example.org") for n in range(3)]
    EmailService.invalid = {invalid.email}
    send, _ = newsletter.start(fresh, "test", queue=False)

    _send_until_done(send)

    assert sorted(message.to[0] for message in mail.outbox) == [r.email for r in readers]


def test_a_service_that_cannot_be_reached_leaves_the_mail_to_be_retried(fresh, make_subscriber):
    """No connection was ever made: the mail certainly did not go, so it is tried again, not
    left interrupted."""
    reader = make_subscriber(email="reader@example.org")
    send, _ = newsletter.start(fresh, "test", queue=False)
    EmailService.unreachable = True
    newsletter.send_batch(send.pk)
    row = send.recipients.get()
    assert (row.status, row.attempts) == (Status.RETRYING, 1)

    EmailService.unreachable = False
    _pauses_pass()
    newsletter.send_batch(send.pk)

    assert [message.to for message in mail.outbox] == [[reader.email]]
    assert send.recipients.get().status == Status.SENT


def test_a_mail_in_doubt_is_shown_to_staff_as_interrupted(fresh, make_subscriber):
    reader = make_subscriber(email="reader@example.org")
    EmailService.slow_answer = {reader.email}
    send, _ = newsletter.start(fresh, "test", queue=False)

    newsletter.send_batch(send.pk)

    assert send.recipients.get().status == Status.INTERRUPTED
