"""New articles in subscribers' inboxes.

When an article goes live, one NewsletterSend is made for it (its one-to-one link to the article
makes a second one impossible), and a NewsletterRecipient row is written for every confirmed,
subscribed address. Tasks then take batches of rows: rows are claimed 100 at a time with a
conditional UPDATE, so two workers never hold the same row, and sent over one SMTP connection.
A row is claimed before its mail goes out and recorded after, in a commit of its own made before
the next mail's end is sent, so a re-run or a second worker never mails anyone twice, and a
worker that dies leaves at most one mail whose fate is unknown: the one that was on its way.
After a lease that row is marked "interrupted (may have been sent)", shown in the admin and never
sent again without a person deciding to; the rest of the dead worker's claim is queued again. A
failed address is retried with growing pauses and, after the last, marked failed for staff to
see.

Memory stays flat: recipients are written and read in pages, never all at once.

The task (`send_newsletter_batch`) lives here, beside what queues it and what it runs.
"""

import contextlib
import datetime
import functools
import logging
import math
import re
import secrets
import select
import smtplib
import socket
from types import SimpleNamespace

import requests
from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import make_msgid, sanitize_address
from django.core.mail.utils import DNS_NAME
from django.db import DatabaseError, IntegrityError, transaction
from django.db import connection as database
from django.db.models import Count, Min, Q
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext, gettext_lazy
from django_tasks import task
from urllib3.exceptions import NewConnectionError

from accounts import mail
from accounts.models import MailSuppression, Subscriber
from accounts.subscriptions import list_unsubscribe_headers, unsubscribe_url
from articles.models import NOT_YET_TRANSLATED, Article, NewsletterRecipient, NewsletterSend

logger = logging.getLogger(__name__)

Status = NewsletterRecipient.Status

# Pauses before the 2nd, 3rd, 4th and 5th attempt; after the 5th failure an address is failed.
RETRY_DELAYS = [60, 300, 1800, 7200]
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# A batch still "sending" after this long lost its worker.
LEASE = datetime.timedelta(minutes=15)
RECIPIENTS_PER_INSERT = 2000  # subscribers written per query when a send is set up

# Markers in the stored message where each reader's own details go.
NAME_MARK = "KINDRED-READER-NAME"
UNSUBSCRIBE_MARK = "KINDRED-UNSUBSCRIBE-URL"

# An address sanitize_address() returns as it is: an ASCII dot-atom at an ASCII host name.
ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
PLAIN_ADDRESS = re.compile(rf"{ATOM}(?:\.{ATOM})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*")
# An unsubscribe key reverse() puts in the link as it is (keys are token_urlsafe()), and a
# stand-in for one.
PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]+")
KEY_MARK = "KINDRED-UNSUBSCRIBE-KEY"

# The server answered and refused this one message: the connection is still good. (Every SMTP
# error is an OSError, so these are told apart first.) Any other OSError ends the connection.
REFUSALS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException)


def subscribed():
    """Who gets new articles: confirmed, chose them, not unsubscribed, and not an address the
    mail provider reports as bouncing or complaining (accounts/deliverability.py)."""
    suppressed = MailSuppression.objects.filter(suppressed_at__isnull=False).values("email")
    return (
        Subscriber.objects.filter(
            confirmed_at__isnull=False, unsubscribed_at__isnull=True, newsletter_at__isnull=False
        )
        .alias(address=Lower("email"))
        .exclude(address__in=suppressed)
    )


# --- Going live ------------------------------------------------------------------------------


def is_due_automatically(article, now=None):
    """Live, wanted, not mailed yet, and recent enough that mailing it now is still news."""
    now = now or timezone.now()
    oldest = now - datetime.timedelta(hours=settings.NEWSLETTER_MAX_AGE_HOURS)
    return (
        article.newsletter
        and article.status == Article.Status.PUBLISHED
        and article.published_at is not None
        and oldest <= article.published_at <= now
        and not NewsletterSend.objects.filter(article=article).exists()
    )


def go_live(article, requested_by, now=None):
    """Start the article's one automatic send if it is due. Returns the send, or None."""
    if not is_due_automatically(article, now):
        return None
    send, created = start(article, requested_by)
    return send if created else None


def publish_due(now=None):
    """Start sends for articles whose time has come; resume sends with work waiting.

    Safe to run every minute and twice at once: a send is made at most once per article, and a
    resumed batch only takes rows nobody else holds. Returns (articles started, sends resumed).
    """
    now = now or timezone.now()
    oldest = now - datetime.timedelta(hours=settings.NEWSLETTER_MAX_AGE_HOURS)
    due = Article.objects.published(now).filter(
        newsletter=True, published_at__gte=oldest, newsletter_send__isnull=True
    )
    started = sum(1 for article in due if go_live(article, "schedule", now))
    resumed = 0
    for send in NewsletterSend.objects.filter(finished_at__isnull=True):
        if not send.recipients_ready:  # whoever began it was stopped half-way
            add_recipients(send)
        release_stale(send, now)
        if _is_stalled(send, now):
            waiting = _claimable(send, now).count()
            if waiting:
                _queue(send, waiting, now)
                resumed += 1
        _finish_if_done(send, now)
    return started, resumed


# A send whose batches nobody took for this long is queued again (its tasks were lost).
STALLED_AFTER = datetime.timedelta(minutes=5)


def _is_stalled(send, now):
    if not send_newsletter_batch.get_backend().supports_defer:
        return True  # no queue to hold tasks: nothing can be waiting in one
    return send.last_activity_at is None or send.last_activity_at < now - STALLED_AFTER


def start(article, requested_by, queue=True):
    """Make the article's send (once) and, unless told not to, queue its batches.

    Returns (send, created).
    """
    try:
        with transaction.atomic():
            send = NewsletterSend.objects.create(
                article=article,
                requested_by=requested_by[:200],
                **render(article, settings.LANGUAGE_CODE),
                translations={
                    code: render(article, code)
                    for code, _name in settings.LANGUAGES
                    if code != settings.LANGUAGE_CODE
                },
            )
    except IntegrityError:
        return NewsletterSend.objects.get(article=article), False
    added = add_recipients(send)
    if queue:
        _queue(send, added)
    return send, True


def resend(send, requested_by, include_interrupted=False):
    """Send again to those who did not get it: failed addresses and new subscribers.

    Interrupted addresses (a worker died mid-batch; they may have the mail) are included only
    when staff say so, knowing some of them may get it twice.
    """
    statuses = [Status.FAILED, *([Status.INTERRUPTED] if include_interrupted else [])]
    again = send.recipients.filter(status__in=statuses).update(
        status=Status.QUEUED, attempts=0, next_attempt_at=None, claim="", claimed_at=None
    )
    added = add_recipients(send)
    NewsletterSend.objects.filter(pk=send.pk).update(
        finished_at=None, requested_by=f"{send.requested_by}; again by {requested_by}"[:200]
    )
    _queue(send, again + added)
    return again + added


def add_recipients(send):
    """A queued row for every subscribed address not already in this send, a page at a time.

    Marks the send's list ready at the end; safe to run again, or twice at once.
    """
    added = 0
    last = 0
    while True:
        page = list(
            subscribed()
            .filter(pk__gt=last)
            .exclude(newsletter_copies__send=send)
            .order_by("pk")
            .values_list("pk", flat=True)[:RECIPIENTS_PER_INSERT]
        )
        if not page:
            NewsletterSend.objects.filter(pk=send.pk).update(recipients_ready=True)
            send.recipients_ready = True
            return added
        created = NewsletterRecipient.objects.bulk_create(
            [NewsletterRecipient(send=send, subscriber_id=pk) for pk in page],
            ignore_conflicts=True,
        )
        added += len(created)
        last = page[-1]


def _queue(send, rows, now=None):
    NewsletterSend.objects.filter(pk=send.pk).update(last_activity_at=now or timezone.now())
    for _ in range(math.ceil(rows / settings.NEWSLETTER_BATCH_SIZE)):
        send_newsletter_batch.enqueue(send.pk)


# --- The message -----------------------------------------------------------------------------


def render(article, language):
    """Subject, text and HTML for the article in `language`, with markers for each reader's
    details. The article's own words are its reviewed translation into `language`, else the
    English article, marked and with a note, as its page shows it."""
    with translation.override(language):
        return _render(article, language)


def _render(article, language):
    image_url = ""
    if article.hero_image:
        image_url = article.hero_image.url
        if image_url.startswith("/"):
            image_url = settings.SITE_URL + image_url
    context = {
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        "article": article,
        "article_url": settings.SITE_URL + article.get_absolute_url(),
        "image_url": image_url,
        "name": NAME_MARK,
        "unsubscribe_url": UNSUBSCRIBE_MARK,
        "language": language,
    }
    shown = article.shown_language(language)
    if shown != language:
        context.update(content_language=shown, language_note=NOT_YET_TRANSLATED.get(language, ""))
    return {
        "subject": article.title[:250],
        "text_body": render_to_string("emails/newsletter.txt", context),
        "html_body": render_to_string("emails/newsletter.html", context),
    }


def language_of(send, subscriber):
    """The language of the message `subscriber` gets, by the rule of every mail of ours
    (accounts.mail.recipient_language): a member's own setting (none: the site's language),
    else the language the subscriber used; English when the send has no such language."""
    member = subscriber.user if subscriber.user_id else None
    if member is not None and member.is_active:
        language = member.language or settings.LANGUAGE_CODE
    else:
        language = subscriber.language
    return language if language in send.translations else settings.LANGUAGE_CODE


def parts_of(send, language):
    """(subject, text, HTML) of the send's message in `language` (see `language_of`)."""
    if language == settings.LANGUAGE_CODE:
        return send.subject, send.text_body, send.html_body
    parts = send.translations[language]
    return parts["subject"], parts["text_body"], parts["html_body"]


def message_for(send, subscriber, connection=None):
    """The reader's own message, made as every mail of ours is (accounts.mail.build_message)."""
    language = language_of(send, subscriber)
    subject, text, html = parts_of(send, language)
    link = unsubscribe_url(subscriber)
    text = text.replace(NAME_MARK, subscriber.name).replace(UNSUBSCRIBE_MARK, link)
    html = html.replace(NAME_MARK, escape(subscriber.name))
    html = html.replace(UNSUBSCRIBE_MARK, escape(link))
    return mail.build_message(
        to=subscriber.email,
        subject=subject,
        text=text,
        html=html,
        headers={**list_unsubscribe_headers(subscriber), "Content-Language": language},
        connection=connection,
        language=language,
    )


# --- Sending ---------------------------------------------------------------------------------


def _claimable(send, now):
    return send.recipients.filter(
        Q(status=Status.QUEUED) | Q(status=Status.RETRYING, next_attempt_at__lte=now)
    )


def has_work_now(send, now=None):
    return _claimable(send, now or timezone.now()).exists()


# Rows are claimed this many at a time, just before they are mailed, then mailed one by one in
# the order of their ids, each recorded (sent, refused, skipped) in a commit of its own before
# the line that ends the next mail is sent. So a worker killed at any instant leaves at most
# one row whose fate is unknown: the first of its claim still "sending", which may have been on
# its way. The others of the claim certainly never left, and go back to the queue once the
# lease has run out (`release_stale`); the rest of its share was never taken from the queue.
# Since the doubt does not grow with the claim, a claim is large enough for its own cost (some
# 10 ms) to vanish per mail; what a dead worker's claim costs is a wait of the lease for the
# rest of it.
CLAIMED_AT_ONCE = 100
# Every claim's token starts with this. A claim without it was made by a worker of an earlier
# version, which recorded 20 rows at a time: all its rows left "sending" are in doubt.
ONE_BY_ONE = "1-"


def claim_batch(send, size, now=None):
    """Take up to `size` rows for this worker alone. Returns them with their subscribers."""
    now = now or timezone.now()
    token = ONE_BY_ONE + secrets.token_hex(15)
    for _ in range(5):  # another worker may win the rows we saw; look again
        with transaction.atomic():
            candidates = _claimable(send, now).order_by("pk")
            if database.features.has_select_for_update_skip_locked:
                # PostgreSQL: rows another worker is taking are passed over, not waited for.
                candidates = candidates.select_for_update(skip_locked=True)
            ids = list(candidates.values_list("pk", flat=True)[:size])
            if not ids:
                return []
            # The status test is repeated in the UPDATE: whoever changes a row first owns it.
            taken = (
                _claimable(send, now)
                .filter(pk__in=ids)
                .update(status=Status.SENDING, claim=token, claimed_at=now)
            )
            if taken:
                NewsletterSend.objects.filter(pk=send.pk).update(last_activity_at=now)
                if send.started_at is None:
                    NewsletterSend.objects.filter(pk=send.pk, started_at__isnull=True).update(
                        started_at=now
                    )
                    send.started_at = now
        if taken:
            return list(
                NewsletterRecipient.objects.filter(claim=token, status=Status.SENDING)
                .select_related("subscriber__user")  # a member's language rules their mail
                .order_by("pk")
            )
    return []


def send_batch(send_id, size=None):
    """Mail up to `size` waiting rows of a send over one connection. Returns the number sent."""
    send = NewsletterSend.objects.filter(pk=send_id).first()
    if send is None:
        return 0
    left = size or settings.NEWSLETTER_BATCH_SIZE
    rows = claim_batch(send, min(left, CLAIMED_AT_ONCE))
    if not rows:
        _finish_if_done(send)
        return 0
    sent, retry_at = 0, None
    with _Outbox(send) as outbox, _Records() as records:
        while rows:
            left -= len(rows)
            mailed, retry_at, held = _mail_one_by_one(outbox, records, rows, retry_at)
            sent += mailed
            if not held:
                logger.warning("newsletter %s: a claim outlived its lease; stopping", send.pk)
                break
            if left <= 0:
                break
            if outbox.connection is None:  # unreachable or lost: the rest of the share waits
                rest = claim_batch(send, left)
                retry_at = _record_failures(dict.fromkeys(rest, outbox.error)) or retry_at
                break
            rows = claim_batch(send, min(left, CLAIMED_AT_ONCE))
    if retry_at is not None:
        _retry_later(send, retry_at)
    _finish_if_done(send)
    return sent


@task()
def send_newsletter_batch(send_id):
    send_batch(send_id)


def _mail_one_by_one(outbox, records, rows, retry_at):
    """Mail one claim's rows in order, each recorded before the next one's end goes (see
    CLAIMED_AT_ONCE). Returns (how many the server took, the next retry's time, whether this
    worker still holds its claim: False once `release_stale` gave it up, and then nothing more
    goes)."""
    sent = 0
    for index, row in enumerate(rows):
        if outbox.connection is None:  # lost with an earlier row: these wait with the rest
            now = timezone.now()
            for waiting in rows[index:]:
                fields = _failure(waiting, outbox.error, now)
                records.write(waiting, **fields)
                retry_at = fields["next_attempt_at"] or retry_at
            break
        if not row.subscriber.is_subscribed:  # unsubscribed since the send was queued
            records.write(row, status=Status.SKIPPED, claim="")
            continue
        error = outbox.begin(row)
        if error is None:
            # The last mail's record is committed before this one's end goes.
            if not records.settle():
                break  # given up: this mail is dropped before its end
            error = outbox.end()
        if error is None:
            records.write_sent(row)
            sent += 1
        elif isinstance(error, InDoubt):
            records.write(row, status=Status.INTERRUPTED, last_error=str(IN_DOUBT_NOTE))
        else:
            fields = _failure(row, error, timezone.now())
            records.write(row, **fields)
            retry_at = fields["next_attempt_at"] or retry_at
    held = records.settle()
    return sent, retry_at, held


class _Records:
    """Where one claim's outcomes are written, in order, each in a commit of its own.

    A commit takes about as long as a nearby mail server takes to accept a mail. So on
    PostgreSQL, outside a transaction, a sent mail's record goes to the database without waiting
    for its answer (libpq's asynchronous query, on the worker's own connection); the answer,
    given once the commit is done, is read just before the line that ends the next mail
    (`settle`). The database commits while the mail server reads the next envelope and text,
    and still at most one mail is ever out and unrecorded. Elsewhere (SQLite; inside a
    transaction: tests, the admin with the immediate task backend) each record is written at
    once.
    """

    def __init__(self):
        self.ahead = database.vendor == "postgresql" and not database.in_atomic_block
        if self.ahead:
            from psycopg import pq  # PostgreSQL's driver, there only when it is the database

            self.committed = pq.ExecStatus.COMMAND_OK
        self.pgconn, self.held = None, True  # pgconn: the connection an answer is due on

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.settle()  # the connection is left with no answer pending, whatever happened

    def write(self, row, **fields):
        self.settle()
        self.held = _record(row, **fields) and self.held

    def write_sent(self, row):
        if not self.ahead:
            self.held = _record_sent(row) and self.held
            return
        self.settle()
        database.ensure_connection()
        pgconn = database.connection.pgconn
        values = [Status.SENT, timezone.now().isoformat(), row.pk, row.claim, Status.SENDING]
        pgconn.send_query_params(_sent_sql("$").encode(), [str(v).encode() for v in values])
        self.pgconn = pgconn
        while pgconn.flush():  # the query is small: this loop hardly ever turns
            if select.select([pgconn.socket], [pgconn.socket], [])[0]:
                pgconn.consume_input()

    def settle(self):
        """Wait for the record on its way, if any, to be committed. Returns whether every
        record so far found its row still held by this claim."""
        pgconn, self.pgconn = self.pgconn, None
        if pgconn is None:
            return self.held
        results = []
        while True:
            while pgconn.is_busy():
                select.select([pgconn.socket], [], [])
                pgconn.consume_input()
            result = pgconn.get_result()
            if result is None:
                break
            results.append(result)
        (result,) = results
        if result.status != self.committed:
            raise DatabaseError(result.error_message.decode(errors="replace").strip())
        self.held = result.command_tuples == 1 and self.held
        return self.held


def _record(row, **fields):
    """Write one row's outcome in a commit of its own (workers and the command run sends outside
    any transaction). Only a row this claim still holds is touched; returns whether it was."""
    mine = NewsletterRecipient.objects.filter(pk=row.pk, claim=row.claim, status=Status.SENDING)
    return mine.update(**fields) == 1


def _record_sent(row):
    """`_record(row, status=SENT, sent_at=now, claim="", last_error="")`, the write made for
    every mail, in SQL written once: the ORM takes longer to write this UPDATE than the database
    takes to run it."""
    with database.cursor() as cursor:
        now = database.ops.adapt_datetimefield_value(timezone.now())
        cursor.execute(_sent_sql(), [Status.SENT, now, row.pk, row.claim, Status.SENDING])
        return cursor.rowcount == 1


@functools.cache
def _sent_sql(style="%s"):
    """Names from the model, quoted; every value a parameter: `%s` for Django's cursors, `$`
    for PostgreSQL's own numbered ones (libpq, `_Records`)."""
    marks = iter([f"${n}" for n in range(1, 6)] if style == "$" else ["%s"] * 5)
    quote = database.ops.quote_name
    table = quote(NewsletterRecipient._meta.db_table)
    name = {f.name: quote(f.column) for f in NewsletterRecipient._meta.concrete_fields}
    assignments = f"{name['status']} = {next(marks)}, {name['sent_at']} = {next(marks)}, "
    assignments += f"{name['claim']} = '', {name['last_error']} = ''"
    condition = f"{name['id']} = {next(marks)} AND {name['claim']} = {next(marks)} "
    condition += f"AND {name['status']} = {next(marks)}"
    return f"UPDATE {table} SET {assignments} WHERE {condition}"  # noqa: S608


class RawMessages:
    """The send's message in one language built once per batch as bytes, then personalised per
    reader.

    Building a MIME message costs more than sending it to a nearby server, so over SMTP each
    batch builds one message with markers and fills in the reader's address, name, unsubscribe
    link and a fresh Message-ID. The bodies are forced to 8-bit UTF-8 (a marker holds a
    non-ASCII letter) so any name fits; if the markers did not survive encoding intact, `build`
    returns None and every message is built the ordinary way.
    """

    TO = "kindred-reader@invalid.invalid"
    MESSAGE_ID = "<kindred-message-id@invalid.invalid>"
    NAME = NAME_MARK + "-\u00b7"

    @classmethod
    def build(cls, send, language=settings.LANGUAGE_CODE):
        subject, text, html = parts_of(send, language)
        template = mail.build_message(
            to=cls.TO,
            subject=subject,
            text=text.replace(NAME_MARK, cls.NAME),
            html=html.replace(NAME_MARK, cls.NAME),
            headers={
                "List-Unsubscribe": f"<{UNSUBSCRIBE_MARK}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "Message-ID": cls.MESSAGE_ID,
                "Content-Language": language,
            },
            language=language,
        )
        data = template.message().as_bytes(linesep="\r\n")
        marks = [m.encode() for m in (cls.TO, cls.MESSAGE_ID, cls.NAME, UNSUBSCRIBE_MARK)]
        html_at = data.find(b"Content-Type: text/html")
        longest = max(len(line) for line in data.split(b"\r\n"))
        if (
            html_at < 0
            or longest > 600  # room for a name and a link below SMTP's 998
            # Both parts 8-bit: quoted-printable could split a marker across lines.
            or data.count(b"Content-Transfer-Encoding: 8bit") != 2
            or not all(mark in data[:html_at] and mark in data[html_at:] for mark in marks[2:])
            or not all(mark in data[:html_at] for mark in marks[:2])
        ):
            return None
        return cls(data[:html_at], data[html_at:], sanitize_address(template.from_email, "utf-8"))

    def __init__(self, head, html, envelope_from):
        self.head, self.html, self.envelope_from = head, html, envelope_from
        # Every reader's link is this with their key in the middle (reverse() costs more than
        # a message's other personal details together).
        self.link_around = unsubscribe_url(SimpleNamespace(unsubscribe_key=KEY_MARK)).split(
            KEY_MARK
        )

    def render(self, subscriber):
        """(envelope sender, [envelope recipient], bytes) for one reader."""
        to = subscriber.email
        if not PLAIN_ADDRESS.fullmatch(to):  # one sanitize_address would change
            to = sanitize_address(to, "utf-8")
        key = subscriber.unsubscribe_key
        if PLAIN_KEY.fullmatch(key) and len(self.link_around) == 2:
            link = key.join(self.link_around)
        else:
            link = unsubscribe_url(subscriber)
        if escape(link) != link:
            raise ValueError("unsubscribe links are expected to need no HTML escaping")
        name = self.NAME.encode()
        head = self.head.replace(self.TO.encode(), to.encode(), 1)
        message_id = make_msgid(domain=DNS_NAME)  # Django's cached host name, as its own
        head = head.replace(self.MESSAGE_ID.encode(), message_id.encode(), 1)
        head = head.replace(name, subscriber.name.encode())
        html = self.html.replace(name, escape(subscriber.name).encode())
        data = (head + html).replace(UNSUBSCRIBE_MARK.encode(), link.encode())
        return self.envelope_from, [to], data


class _Outbox:
    """One connection to the mail server for a batch; once the server cannot be reached,
    `connection` is None. A mail goes in two steps, `begin` and `end`: over SMTP's byte-level
    path, the server takes it only at the end."""

    def __init__(self, send):
        self.send, self.error = send, None
        self.raw = None  # {language: RawMessages or None (build it the ordinary way)} over SMTP
        self.connection = get_connection()
        self.subscriber, self.in_data = None, False

    def __enter__(self):
        try:
            self.connection.open()
        except Exception as exc:  # noqa: BLE001 - the whole batch waits for a retry
            logger.warning("newsletter %s: cannot reach the mail server: %s", self.send.pk, exc)
            self.connection, self.error = None, exc
            return self
        smtp = getattr(self.connection, "connection", None)
        if isinstance(self.connection, SMTPBackend) and smtp is not None:
            self.raw = {}
            # A message's end goes apart from its text (see `end`): sent at once, not held
            # back until the text is acknowledged (Nagle's algorithm meets delayed ACKs: 40 ms).
            with contextlib.suppress(OSError, AttributeError):
                smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return self

    def __exit__(self, *exc_info):
        self._close()

    def _close(self):
        if self.connection is None:
            return
        if self.in_data:
            # Mid-message: the server drops a message whose end never came. (A QUIT now would
            # be read as a line of it.)
            self.connection.connection.close()
            self.connection.connection, self.in_data = None, False
        try:
            self.connection.close()
        except Exception:  # noqa: BLE001 - closing a broken connection is allowed to fail
            logger.debug("newsletter %s: closing the connection failed", self.send.pk)

    def _raw(self, language):
        """The batch's raw message in `language`, built on first use; None when messages are
        built the ordinary way."""
        if self.raw is None:
            return None
        if language not in self.raw:
            self.raw[language] = RawMessages.build(self.send, language)
        return self.raw[language]

    def begin(self, row):
        """Start the row's message: over SMTP's byte-level path, all of it but its end (the
        envelope, DATA, the text). Returns None, or the error if it cannot go."""
        self.subscriber = row.subscriber
        return self._attempt(self._begin)

    def end(self):
        """Finish the message begun: returns None once the server took it, else the error
        (InDoubt when it may have)."""
        return self._attempt(self._end)

    def _begin(self):
        raw = self._raw(language_of(self.send, self.subscriber))
        if raw is not None:
            envelope_from, envelope_to, data = raw.render(self.subscriber)
            smtp = self.connection.connection
            _open_data(smtp, envelope_from, envelope_to, len(data))
            self.in_data = True
            text = re.sub(rb"(?m)^\.", b"..", data)  # a line's leading dot doubled, as smtplib
            smtp.send(text if text.endswith(b"\r\n") else text + b"\r\n")

    def _end(self):
        if not self.in_data:
            try:
                message_for(self.send, self.subscriber, self.connection).send()
            except requests.RequestException as exc:  # an email service's API (anymail)
                raise _api_failure(exc) from exc
            return
        self.in_data = False
        smtp = self.connection.connection
        try:
            smtp.send(b".\r\n")
            code, reply = smtp.getreply()
        except OSError as exc:
            raise InDoubt(f"{type(exc).__name__}: {exc}") from exc
        if code != 250:
            _reset(smtp, code)
            raise smtplib.SMTPDataError(code, reply)

    def _attempt(self, step):
        try:
            step()
        except REFUSALS as exc:
            return exc
        except (OSError, InDoubt) as exc:
            logger.warning("newsletter %s: connection lost: %s", self.send.pk, exc)
            self._close()
            self.connection, self.error = None, exc
            return exc
        except Exception as exc:  # noqa: BLE001 - one refused address, the rest go on
            return exc
        return None


class Refused(Exception):  # noqa: N818 - the service's answer, not an error of ours
    """An email service's API answered this one mail with an error (a 4xx or 5xx): tried again
    later like an address an SMTP server refuses; the rest of the batch goes on."""


def _api_failure(exc):
    """What a failed call to an email service's API (anymail's errors are requests' too, and
    so OSErrors) means for its mail: an answer refuses this one mail (Refused); a connection
    never made is a lost connection (the OSError itself: the batch waits and is retried); any
    other failure came once the request may have reached the service, which may have taken the
    mail (InDoubt: not sent again unless staff re-send)."""
    if getattr(exc, "response", None) is not None:
        return Refused(str(exc))
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    if isinstance(exc, requests.ConnectTimeout) or isinstance(reason, NewConnectionError):
        return exc
    return InDoubt(f"{type(exc).__name__}: {exc}")


class InDoubt(Exception):  # noqa: N818 - a state the mail is in, not an error of ours
    """The connection failed once the message's end was on its way: the server may have it."""


IN_DOUBT_NOTE = gettext_lazy(
    "The connection to the mail server was lost just as it was taking this mail; it may have "
    "gone out, so it is not sent again unless staff re-send."
)


def _open_data(smtp, envelope_from, envelope_to, size):
    """smtplib's `sendmail` for one recipient up to the message itself: MAIL, RCPT and DATA."""
    smtp.ehlo_or_helo_if_needed()
    (recipient,) = envelope_to
    options = [f"size={size}"] if smtp.does_esmtp and smtp.has_extn("size") else []
    code, reply = smtp.mail(envelope_from, options)
    if code != 250:
        _reset(smtp, code)
        raise smtplib.SMTPSenderRefused(code, reply, envelope_from)
    code, reply = smtp.rcpt(recipient)
    if code not in (250, 251):
        _reset(smtp, code)
        raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
    code, reply = smtp.docmd("data")
    if code != 354:
        _reset(smtp, code)
        raise smtplib.SMTPDataError(code, reply)


def _reset(smtp, code):
    """After a refusal, as smtplib does: 421 means the server is closing; otherwise RSET."""
    if code == 421:
        smtp.close()
        return
    with contextlib.suppress(smtplib.SMTPServerDisconnected):
        smtp.rset()


def _record_failures(failed):
    """Record each failed row (see `_failure`). Returns the next retry's time, if any."""
    now, retry_at = timezone.now(), None
    for row, exc in failed.items():
        fields = _failure(row, exc, now)
        _record(row, **fields)
        retry_at = fields.get("next_attempt_at") or retry_at
    return retry_at


def _failure(row, exc, now):
    """What a failed attempt leaves on a row: a time to retry or, after the last, failed."""
    attempts = row.attempts + 1
    error = f"{type(exc).__name__}: {exc}"[:2000]
    if attempts >= MAX_ATTEMPTS:
        logger.warning("newsletter to subscriber %s failed for good: %s", row.subscriber_id, error)
        return {
            "status": Status.FAILED,
            "attempts": attempts,
            "last_error": error,
            "next_attempt_at": None,
            "claim": "",
        }
    return {
        "status": Status.RETRYING,
        "attempts": attempts,
        "last_error": error,
        "next_attempt_at": now + datetime.timedelta(seconds=RETRY_DELAYS[attempts - 1]),
        "claim": "",
    }


def _retry_later(send, when):
    """Ask the task backend to come back; without deferral, `publish_due` picks it up."""
    if send_newsletter_batch.get_backend().supports_defer:
        send_newsletter_batch.using(run_after=when).enqueue(send.pk)


def release_stale(send, now=None):
    """Rows held longer than the lease lost their worker. Of each such claim, the first row
    still "sending" may have been in flight: it becomes "interrupted (may have been sent)",
    never sent again unless staff decide to. The rest of the claim certainly never left (rows go
    one by one, each recorded before the next) and is queued again. Returns how many became
    interrupted."""
    now = now or timezone.now()
    stale = send.recipients.filter(status=Status.SENDING, claimed_at__lt=now - LEASE)
    firsts = stale.values("claim").annotate(first=Min("pk")).values("first")
    with transaction.atomic():
        interrupted = stale.filter(Q(pk__in=firsts) | ~Q(claim__startswith=ONE_BY_ONE)).update(
            status=Status.INTERRUPTED,
            last_error=gettext(
                "The worker stopped while sending this mail; it may have gone out, so it is not "
                "sent again unless staff re-send."
            ),
        )
        # Only behind a row given up just now or before: a worker that recorded its row in the
        # meantime is alive, and its claim stays its own.
        given_up = send.recipients.filter(
            status=Status.INTERRUPTED, claim__startswith=ONE_BY_ONE
        ).values("claim")
        stale.filter(claim__in=given_up).update(status=Status.QUEUED, claim="")
    return interrupted


def _finish_if_done(send, now=None):
    if not NewsletterSend.objects.filter(pk=send.pk, recipients_ready=True).exists():
        return
    open_work = send.recipients.filter(
        status__in=[Status.QUEUED, Status.SENDING, Status.RETRYING]
    ).exists()
    if not open_work:
        NewsletterSend.objects.filter(pk=send.pk, finished_at__isnull=True).update(
            finished_at=now or timezone.now()
        )


# --- Reporting -------------------------------------------------------------------------------


def counts(send):
    """{status: number} for one send, every status present."""
    found = dict(
        send.recipients.values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    return {status: found.get(status, 0) for status in Status.values}


def export_for(user):
    """For "export my data": which articles were mailed to the member's address, and when."""
    copies = NewsletterRecipient.objects.filter(subscriber__user=user).select_related(
        "send__article"
    )
    return [
        {
            "article": copy.send.article.title,
            "status": copy.status,
            "sent_at": copy.sent_at.isoformat() if copy.sent_at else None,
        }
        for copy in copies.order_by("pk")
    ]
