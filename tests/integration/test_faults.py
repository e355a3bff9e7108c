"""The site rides out a lost cache, a lost database and a lost mail server, and recovers alone."""

import datetime
import email
import email.policy
import time

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from accounts.models import Delivery, Subscriber
from comments.models import Comment
from kindred.ports import free_port
from tests.conftest import SMTPInbox
from tests.integration.browser import Browser
from tests.integration.servers import servers_database_url, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

BACK_SOON = "We will be back in a moment"
CHECK_INBOX = "Check your inbox"


def test_site_serves_through_a_redis_outage_and_uses_redis_again_after(
    start_server, redis_server, article, verified_member
):
    server = start_server()  # on redis_server
    article_url = server.url + article.get_absolute_url()
    reader, member = Browser(), Browser()
    member.log_in(server, "member@example.org")
    assert reader.get(article_url).headers["X-Page-Cache"] == "miss"
    assert reader.get(article_url).headers["X-Page-Cache"] == "hit"
    form = member.get(article_url)
    form_shown = time.monotonic()

    redis_server.stop()

    for _ in range(3):
        started = time.monotonic()
        page = reader.get(article_url)
        assert page.status == 200 and article.title in page.text
        assert time.monotonic() - started < 2, "a dead cache must not slow every page down"
    assert member.get(article_url).status == 200
    account = member.get(server.url + "/account/")
    assert account.status == 200 and "Sample Member" in account.text
    health = reader.get(server.url + "/healthz")
    assert (health.status, health.json()) == (
        200,
        {"status": "ok", "database": "ok", "cache": "unavailable"},
    )
    time.sleep(max(0.0, 3.2 - (time.monotonic() - form_shown)))  # COMMENTS_MIN_FILL_SECONDS
    posted = member.post(
        f"{article_url}comments/",
        {
            "csrfmiddlewaretoken": form.field("csrfmiddlewaretoken"),
            "started": form.field("started"),
            "body": "Written while the cache was down",
        },
    )
    assert posted.status == 302, posted.text[:2000]
    assert "Written while the cache was down" in reader.get(article_url).text
    assert Comment.objects.filter(
        body="Written while the cache was down", status=Comment.Status.PUBLISHED
    ).exists()
    assert len(server.log_lines("cache unavailable")) == 1  # once, not once per request

    redis_server.start()  # the same address, empty, as after a restart
    # The app tries Redis again a few seconds after its last failure (kindred/cache.py).
    wait_for(
        lambda: reader.get(article_url).headers["X-Page-Cache"] == "hit",
        seconds=15,
        what="anonymous pages are still not served from Redis",
    )
    assert redis_server.key_count() > 0
    assert reader.get(server.url + "/healthz").json()["cache"] == "ok"
    assert len(server.log_lines("cache back after")) == 1
    assert len(server.log_lines("cache unavailable")) == 1


def test_database_outage_shows_the_back_soon_page_and_the_site_recovers_by_itself(
    start_server, database_cable, article
):
    server = start_server(DATABASE_URL=servers_database_url(("127.0.0.1", database_cable.port)))
    article_url = server.url + article.get_absolute_url()
    reader = Browser()
    assert reader.get(article_url).status == 200
    token = reader.csrf_token(server)

    database_cable.cut()

    cached = reader.get(article_url)  # readers of a page in the shared cache notice nothing
    assert cached.status == 200 and cached.headers["X-Page-Cache"] == "hit"
    page = reader.get(server.url + "/")
    assert page.status == 503 and BACK_SOON in page.text
    assert page.headers["Retry-After"] == "30"
    health = reader.get(server.url + "/healthz")
    assert (health.status, health.json()["database"]) == (503, "unavailable")
    sent = reader.post(
        server.url + "/subscribe/",
        {"csrfmiddlewaretoken": token, "name": "Sample Reader", "email": "outage@example.org"},
    )
    assert sent.status == 503 and BACK_SOON in sent.text  # told to send it again

    database_cable.start()  # plugged back in, same address

    page = reader.get(server.url + "/")
    assert page.status == 200 and article.title in page.text
    assert reader.get(server.url + "/healthz").status == 200
    sent = reader.post(
        server.url + "/subscribe/",
        {"csrfmiddlewaretoken": token, "name": "Sample Reader", "email": "outage@example.org"},
    )
    assert sent.status == 302
    assert Subscriber.objects.filter(email="outage@example.org").exists()
    assert len(server.log_lines("Booting worker")) == 1  # no worker was restarted


def test_mail_server_outage_loses_no_confirmation_mail(start_server):
    smtp_port = free_port()  # nothing listens here yet
    server = start_server(EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}")
    reader = Browser()

    sent = reader.subscribe(server, "Sample Reader", "reader@example.org")

    assert sent.status == 302
    assert CHECK_INBOX in reader.get(server.url + sent.headers["Location"]).text
    assert Subscriber.objects.filter(email="reader@example.org").exists()
    delivery = Delivery.objects.get(to="reader@example.org")
    assert delivery.status == Delivery.Status.FAILED
    assert "Connection refused" in delivery.last_error

    inbox = SMTPInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        Delivery.objects.filter(pk=delivery.pk).update(
            next_attempt_at=timezone.now() - datetime.timedelta(seconds=1)
        )
        first = server.manage("retry_mail")
        second = server.manage("retry_mail")  # cron may run it twice; the reader gets one mail
    finally:
        controller.stop()

    assert "Queued 1 " in first.stdout and "Queued 0 " in second.stdout
    assert [envelope.rcpt_tos for envelope in inbox.messages] == [["reader@example.org"]]
    message = email.message_from_bytes(inbox.messages[0].content, policy=email.policy.default)
    assert "confirm" in message["Subject"].lower()
    assert "/subscribe/confirm/" in message.get_body(("plain",)).get_content()
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
