"""New articles in subscribers' inboxes: going live, the send, retries, and what staff see."""

import datetime
import io
import re
import threading

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.utils import timezone

from articles import newsletter
from articles.models import Article, NewsletterRecipient, NewsletterSend
from tests.mail_backends import FlakyBackend

pytestmark = pytest.mark.django_db

Status = NewsletterRecipient.Status
MINUTE = datetime.timedelta(minutes=1)


class _AnyTime:
    def __eq__(self, other):
        return isinstance(other, str) and bool(datetime.datetime.fromisoformat(other))


ANY_TIME = _AnyTime()


@pytest.fixture(autouse=True)
def _flaky_mail(settings):
    settings.EMAIL_BACKEND = "tests.mail_backends.FlakyBackend"
    FlakyBackend.reset()
    yield
    FlakyBackend.reset()


@pytest.fixture
def readers(make_subscriber):
    """Three subscribed readers, one who never confirmed, one who left."""
    subscribed = [make_subscriber(email=f"reader{n}@example.org") for n in range(3)]
    make_subscriber(email="unconfirmed@example.org", confirmed=False)
    make_subscriber(email="left@example.org", unsubscribed_at=timezone.now())
    return subscribed


@pytest.fixture
def fresh(make_article):
    return make_article(title="Pacing your energy", published_at=timezone.now() - MINUTE)


def _inbox():
    return sorted(address for message in mail.outbox for address in message.to)


def _pauses_pass():
    """Every address waiting to retry becomes due, as if its pause had gone by."""
    NewsletterRecipient.objects.filter(status=Status.RETRYING).update(
        next_attempt_at=timezone.now() - datetime.timedelta(seconds=1)
    )


def test_scheduled_article_is_mailed_when_its_time_comes_and_only_once(make_article, readers):
    soon = timezone.now() + datetime.timedelta(hours=1)
    article = make_article(title="Sleep and SMA", published_at=soon)
    assert newsletter.publish_due() == (0, 0)
    assert mail.outbox == [] and not NewsletterSend.objects.exists()

    later = soon + MINUTE
    assert newsletter.publish_due(later) == (1, 0)
    assert _inbox() == [r.email for r in readers]
    assert {m.subject for m in mail.outbox} == {"Sleep and SMA"}
    newsletter.publish_due(later + MINUTE)
    call_command("publish_due", verbosity=0)
    assert len(mail.outbox) == 3
    assert NewsletterSend.objects.get().article == article


def test_unconfirmed_and_unsubscribed_are_never_mailed_members_who_opted_in_are(
    fresh, readers, make_subscriber, member
):
    make_subscriber(email=member.email, user=member)
    newsletter.publish_due()
    assert "unconfirmed@example.org" not in _inbox() and "left@example.org" not in _inbox()
    assert member.email in _inbox() and len(mail.outbox) == 4


def test_no_newsletter_and_old_articles_are_not_mailed_automatically(make_article, readers):
    make_article(published_at=timezone.now() - MINUTE, newsletter=False)
    make_article(published_at=timezone.now() - datetime.timedelta(days=10))
    make_article(status=Article.Status.DRAFT, published_at=timezone.now() - MINUTE)
    assert newsletter.publish_due() == (0, 0)
    assert mail.outbox == []


def test_mail_has_the_article_a_personal_unsubscribe_link_and_list_headers(
    client, fresh, make_subscriber
):
    reader = make_subscriber(email="pat@example.org", name="Pat <b>& co</b>")
    newsletter.publish_due()
    (message,) = mail.outbox
    html = message.alternatives[0][0]
    assert fresh.summary in message.body and fresh.summary in html
    assert f"http://testserver{fresh.get_absolute_url()}" in html or fresh.slug in html
    assert "Hello Pat <b>& co</b>" in message.body
    assert "Hello Pat &lt;b&gt;&amp; co&lt;/b&gt;" in html
    link = re.search(r"https?://\S+/unsubscribe/[^/\s]+/", message.body).group(0)
    assert message.extra_headers["List-Unsubscribe"] == f"<{link}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = "/" + link.split("/", 3)[3]
    response = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    reader.refresh_from_db()
    assert reader.unsubscribed_at is not None


def test_newsletter_links_to_the_site_pages_in_both_parts(settings, fresh, make_subscriber):
    make_subscriber(email="pat@example.org")
    newsletter.publish_due()
    (message,) = mail.outbox
    for path in ["/contact/", "/privacy/", "/guidelines/", "/terms/"]:
        assert f"{settings.SITE_URL}{path}" in message.body
        assert f'href="{settings.SITE_URL}{path}"' in message.alternatives[0][0]


def test_batches_share_one_connection_each(settings, fresh, make_subscriber):
    settings.NEWSLETTER_BATCH_SIZE = 4
    for n in range(10):
        make_subscriber(email=f"many{n}@example.org")
    newsletter.publish_due()
    assert len(mail.outbox) == 10
    assert FlakyBackend.opened == 3  # 4 + 4 + 2


def test_refused_address_is_retried_with_growing_pauses_then_marked_failed(fresh, readers):
    FlakyBackend.refuse = {"reader1@example.org"}
    newsletter.publish_due()
    assert _inbox() == ["reader0@example.org", "reader2@example.org"]
    row = NewsletterRecipient.objects.get(subscriber=readers[1])
    assert row.status == Status.RETRYING and "550" in row.last_error

    pauses = []
    for _ in range(newsletter.MAX_ATTEMPTS):
        if row.status != Status.RETRYING:
            break
        pauses.append((row.next_attempt_at - timezone.now()).total_seconds())
        assert newsletter.publish_due()[1] == 0  # nothing is tried before its pause is over
        _pauses_pass()
        newsletter.publish_due()
        row.refresh_from_db()
    assert len(pauses) == newsletter.MAX_ATTEMPTS - 1
    assert pauses == sorted(pauses) and pauses[0] > 30
    assert row.status == Status.FAILED and row.attempts == newsletter.MAX_ATTEMPTS
    assert len(mail.outbox) == 2
    assert NewsletterSend.objects.get().finished_at is not None


def test_smtp_down_then_back_sends_everyone_exactly_once(fresh, readers):
    FlakyBackend.down = True
    newsletter.publish_due()
    assert mail.outbox == []
    assert set(NewsletterRecipient.objects.values_list("status", flat=True)) == {Status.RETRYING}
    FlakyBackend.down = False
    _pauses_pass()
    newsletter.publish_due()
    assert _inbox() == [r.email for r in readers]


def test_connection_lost_mid_batch_retries_the_rest_only(fresh, readers):
    FlakyBackend.drop_after = 1
    newsletter.publish_due()
    assert _inbox() == ["reader0@example.org"]
    FlakyBackend.drop_after = None
    _pauses_pass()
    newsletter.publish_due()
    assert _inbox() == [r.email for r in readers]


def test_unsubscribing_mid_send_stops_mail_to_that_address(settings, fresh, readers):
    settings.NEWSLETTER_BATCH_SIZE = 1
    send, _ = newsletter.start(fresh, "test", queue=False)
    newsletter.send_batch(send.pk)
    readers[2].unsubscribed_at = timezone.now()
    readers[2].save()
    while newsletter.has_work_now(send):
        newsletter.send_batch(send.pk)
    assert _inbox() == ["reader0@example.org", "reader1@example.org"]
    assert NewsletterRecipient.objects.get(subscriber=readers[2]).status == Status.SKIPPED


def test_a_crashed_batch_is_never_sent_twice_and_staff_can_resend_it(
    client, staff, settings, fresh, readers
):
    settings.NEWSLETTER_BATCH_SIZE = 2
    send, _ = newsletter.start(fresh, "test", queue=False)
    newsletter.claim_batch(send, 2)  # a worker takes two rows, then dies before sending
    call_command("send_newsletter", fresh.slug, stdout=io.StringIO(), stderr=io.StringIO())
    call_command("send_newsletter", fresh.slug, stdout=io.StringIO(), stderr=io.StringIO())
    assert _inbox() == ["reader2@example.org"]

    later = timezone.now() + newsletter.LEASE + MINUTE
    # The first row of the dead worker's claim may have been in flight: "interrupted", maybe
    # sent, so never again by itself. The second certainly never left (rows go one by one, each
    # recorded before the next): it is queued again and goes out.
    assert newsletter.release_stale(send, later) == 1
    newsletter.publish_due(later)
    assert _inbox() == ["reader1@example.org", "reader2@example.org"]

    client.force_login(staff)
    response = client.post(
        "/admin/articles/article/",
        {"action": "send_newsletter_now", "_selected_action": [fresh.pk]},
        follow=True,
    )
    assert "sent again to 0 who had not received it" in response.content.decode()
    assert len(mail.outbox) == 2
    response = client.post(
        "/admin/articles/article/",
        {"action": "send_newsletter_including_interrupted", "_selected_action": [fresh.pk]},
        follow=True,
    )
    assert "sent again to 1 who had not received it" in response.content.decode()
    assert _inbox() == [r.email for r in readers]


def test_worker_killed_mid_batch_leaves_only_the_row_in_flight_in_doubt(
    settings, monkeypatch, fresh, make_subscriber
):
    settings.NEWSLETTER_BATCH_SIZE = 10
    monkeypatch.setattr(newsletter, "CLAIMED_AT_ONCE", 2)
    for n in range(10):
        make_subscriber(email=f"many{n}@example.org")
    send, _ = newsletter.start(fresh, "test", queue=False)
    FlakyBackend.die_after = 5
    with pytest.raises(KeyboardInterrupt):
        newsletter.send_batch(send.pk)
    counts = newsletter.counts(send)
    # Five recorded, each as it went; the 6th was on its way: in doubt. The other four of the
    # batch were never taken from the queue.
    assert counts[Status.SENT] == 5 and counts[Status.SENDING] == 1
    assert counts[Status.QUEUED] == 4
    FlakyBackend.die_after = None

    newsletter.send_batch(send.pk)  # the next task takes them at once: no lease to wait for
    assert len(mail.outbox) == 9
    later = timezone.now() + newsletter.LEASE + MINUTE
    newsletter.release_stale(send, later)
    newsletter.resend(send, "staff")  # failed and new ones only: the doubtful are left alone
    assert len(mail.outbox) == 9 and len(set(_inbox())) == 9
    assert newsletter.counts(send)[Status.INTERRUPTED] == 1


def test_cron_stopped_while_listing_recipients_is_completed_by_the_next_run(
    monkeypatch, make_article, make_subscriber
):
    for n in range(5):
        make_subscriber(email=f"list{n}@example.org")
    make_article(published_at=timezone.now() - MINUTE)
    monkeypatch.setattr(newsletter, "RECIPIENTS_PER_INSERT", 2)
    real_bulk_create = NewsletterRecipient.objects.bulk_create
    calls = []

    def killed_on_second_page(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt("cron job killed")
        return real_bulk_create(*args, **kwargs)

    monkeypatch.setattr(NewsletterRecipient.objects, "bulk_create", killed_on_second_page)
    with pytest.raises(KeyboardInterrupt):
        newsletter.publish_due()
    monkeypatch.undo()
    send = NewsletterSend.objects.get()
    assert not send.recipients_ready and send.finished_at is None
    newsletter.publish_due()
    assert len(mail.outbox) == 5 and len(set(_inbox())) == 5
    send.refresh_from_db()
    assert send.recipients_ready and send.finished_at is not None


def test_deleting_an_article_that_was_mailed_still_works_but_sends_are_kept(
    client, staff, fresh, readers
):
    newsletter.publish_due()
    send = NewsletterSend.objects.get()
    client.force_login(staff)
    assert client.post(f"/admin/articles/newslettersend/{send.pk}/delete/").status_code == 403
    response = client.post(f"/admin/articles/article/{fresh.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Article.objects.filter(pk=fresh.pk).exists()


def test_publishing_an_old_article_warns_that_nothing_was_mailed(client, staff, make_article):
    old = make_article(published_at=timezone.now() - datetime.timedelta(days=5))
    client.force_login(staff)
    form = {
        "title": old.title,
        "slug": old.slug,
        "summary": old.summary,
        "body": old.body,
        "kind": "article",
        "status": "published",
        "published_at_0": timezone.localtime(old.published_at).strftime("%Y-%m-%d"),
        "published_at_1": timezone.localtime(old.published_at).strftime("%H:%M:%S"),
        "newsletter": "on",
    }
    response = client.post(f"/admin/articles/article/{old.pk}/change/", form, follow=True)
    assert "was not mailed automatically" in response.content.decode()
    assert mail.outbox == []


def test_send_newsletter_command_shows_progress_and_a_summary(fresh, readers):
    FlakyBackend.refuse = {"reader0@example.org"}
    out, err = io.StringIO(), io.StringIO()
    call_command("send_newsletter", fresh.slug, stdout=out, stderr=err)
    assert "[" in err.getvalue() and "3/3" in err.getvalue()
    assert "2 sent, 1 waiting to retry, 0 failed" in out.getvalue()
    assert "of 3" in out.getvalue()


def test_send_newsletter_command_explains_what_it_cannot_do(make_article):
    with pytest.raises(CommandError, match="No article has the slug 'nope'"):
        call_command("send_newsletter", "nope")
    later = make_article(published_at=timezone.now() + datetime.timedelta(days=1))
    with pytest.raises(CommandError, match="not live yet"):
        call_command("send_newsletter", later.slug)
    quiet = make_article(published_at=timezone.now() - MINUTE, newsletter=False)
    with pytest.raises(CommandError, match="--force"):
        call_command("send_newsletter", quiet.slug)


def test_publishing_in_the_admin_sends_and_the_admin_shows_the_counts(
    client, staff, make_article, readers
):
    article = make_article(status=Article.Status.DRAFT, published_at=None)
    FlakyBackend.refuse = {"reader2@example.org"}
    client.force_login(staff)
    now = timezone.localtime()
    form = {
        "title": article.title,
        "slug": article.slug,
        "summary": article.summary,
        "body": article.body,
        "kind": "article",
        "status": "published",
        "published_at_0": now.strftime("%Y-%m-%d"),
        "published_at_1": now.strftime("%H:%M:%S"),
        "comments_open": "on",
        "newsletter": "on",
        "last_reviewed_at": "",
    }
    response = client.post(f"/admin/articles/article/{article.pk}/change/", form, follow=True)
    assert "The newsletter is going out to 3 subscriber(s)." in response.content.decode()
    assert _inbox() == ["reader0@example.org", "reader1@example.org"]
    client.post(f"/admin/articles/article/{article.pk}/change/", form)
    assert len(mail.outbox) == 2  # saving again sends nothing

    sends = client.get("/admin/articles/newslettersend/").content.decode()
    assert re.search(r'class="field-sent">2<', sends)
    assert re.search(r'class="field-retrying">1<', sends)
    page = client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    assert "0 queued, 0 sending, 2 sent, 1 waiting to retry, 0 failed" in page
    failures = client.get(
        "/admin/articles/newsletterrecipient/?status__exact=retrying"
    ).content.decode()
    assert "reader2@example.org" in failures and "Mailbox unavailable" in failures


@pytest.mark.django_db(transaction=True)
def test_publishing_mails_everyone_once_through_db_worker(settings, make_article, readers):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.NEWSLETTER_BATCH_SIZE = 2
    make_article(published_at=timezone.now() - MINUTE)
    for _ in range(4):  # cron runs every minute while the worker is busy elsewhere
        call_command("publish_due", verbosity=0)
    assert mail.outbox == []
    assert DBTaskResult.objects.count() == 2  # 3 readers in batches of 2: queued once
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert _inbox() == [r.email for r in readers]
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert len(mail.outbox) == 3


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="runs in the PostgreSQL pass of .ci/run"
)
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_never_mail_anyone_twice(settings, make_article, make_subscriber):
    settings.NEWSLETTER_BATCH_SIZE = 7
    for n in range(200):
        make_subscriber(email=f"crowd{n}@example.org")
    article = make_article(published_at=timezone.now() - MINUTE)
    send, _ = newsletter.start(article, "test", queue=False)
    barrier = threading.Barrier(2)
    errors, sent_by = [], {}

    def worker(name):
        sent_by[name] = 0
        try:
            barrier.wait()
            while newsletter.has_work_now(send):
                sent_by[name] += newsletter.send_batch(send.pk)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    addresses = _inbox()
    assert len(addresses) == 200 and len(set(addresses)) == 200
    assert sent_by["a"] + sent_by["b"] == 200
    assert sent_by["a"] and sent_by["b"]  # the two really did share the send


def test_members_export_lists_the_articles_mailed_to_them(client, fresh, member, make_subscriber):
    make_subscriber(email=member.email, user=member)
    newsletter.publish_due()
    client.force_login(member)
    data = client.post("/account/export/").json()
    assert data["newsletter_mails"] == [
        {"article": "Pacing your energy", "status": "sent", "sent_at": ANY_TIME}
    ]
