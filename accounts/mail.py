"""Every mail the project sends goes through here.

A Delivery row is written first, keyed by what is sent to whom, then a task sends it. A task that
runs twice finds the row already sent and does nothing; a failed send stays in the table and is
retried with growing pauses, never dropped.

A mail with a log-in, reset or confirmation link (`sensitive=True`) must be sendable later and
retried for hours, yet nobody reading the database, the admin, an export or a log may use its
link. So its text, HTML and headers are stored only sealed: encrypted and authenticated (Fernet)
with a key derived from SECRET_KEY, which the database does not hold; the recipient and key are
sealed with them, so a sealed body moved to another row is refused. Once sent, even the sealed
copy is dropped: the row keeps only what identifies the mail (template, recipient, subject,
when). Other mails keep their words for MAIL_BODY_RETENTION_DAYS after sending (clear_old_bodies),
but not the keys in their links (an unsubscribe key also opens a guest's data): those are named
instead once the mail is sent (kindred/secret_links.py).

The task that sends a row (`deliver_mail`) lives here, beside what queues it and what it runs:
tasks take row ids only, so the task table holds no address or words of a mail.

Every mail is written in its recipient's language (`recipient_language`): a member's setting
(LANGUAGE_CODE while they have none), else the language a guest used when they shared the
address, else the page's that sent it.
"""

import datetime
import json
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db import connection as database
from django.db.models import Q
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation
from django_tasks import task

from accounts import deliverability
from accounts.models import Delivery, Subscriber, User
from kindred.sealing import InvalidToken, open_sealed, seal
from kindred.secret_links import hide_in_text

logger = logging.getLogger(__name__)

# Pauses between attempts: 1 min, 5 min, 30 min, 2 h, then every 6 h until it goes through.
RETRY_DELAYS = [60, 300, 1800, 7200, 21600]

# The header that says which language a mail is written in (RFC 3282). Mail programs read it
# (to offer a translation, to pick a voice); `deliver` reads it to write the footer in the same
# language as the rest of the mail.
LANGUAGE_HEADER = "Content-Language"


def _offered(code):
    """`code` when it is one of settings.LANGUAGES, else None."""
    return code if code and code in {c for c, _name in settings.LANGUAGES} else None


def current_language():
    """The language active now, as one of settings.LANGUAGES: the page's during a request (a
    member's own setting, else the visitor's choice), LANGUAGE_CODE in a task or a command."""
    code = translation.get_language() or settings.LANGUAGE_CODE
    try:
        return _offered(translation.get_supported_language_variant(code)) or settings.LANGUAGE_CODE
    except LookupError:
        return settings.LANGUAGE_CODE


def recipient_language(address):
    """The language to write to `address` in: the setting of the active member with that
    address (their account's, or one they verified), else the language the subscriber with
    that address used when they shared it, else the language active now (`current_language`).

    A member's setting decides whenever a member has the address, even an empty one (accounts
    made before languages): that means LANGUAGE_CODE, never the subscriber row's language,
    which anyone can set by typing the address into the subscribe or comment box.

    Both rows are always looked up, so the work does not tell whether the address is a
    member's (a password reset asked for by anyone waits on this)."""
    member = (
        User.objects.filter(is_active=True)
        .filter(
            Q(email__iexact=address)
            | Q(emailaddress__email__iexact=address, emailaddress__verified=True)
        )
        .values_list("language", flat=True)
        .first()
    )
    guest = (
        Subscriber.objects.filter(email__iexact=address)
        .exclude(language="")
        .values_list("language", flat=True)
        .first()
    )
    if member is not None:  # a member's address: theirs to decide, nobody else's
        return _offered(member) or settings.LANGUAGE_CODE
    return _offered(guest) or current_language()


def send_template(name, to, context, key, headers=None, *, sensitive=False, reply_to=""):
    """Render emails/<name>_subject.txt, .txt and .html in the recipient's language
    (`recipient_language`) and queue the message once per key.
    `sensitive`: the mail carries a log-in, reset or confirmation link (see the module's doc).
    `reply_to`: where an answer goes (none: the From address's).

    The context holds objects and lazy strings, rendered in the recipient's language: the
    article itself (`{{ article.title }}` is its title as this recipient is shown it), the
    report (`{{ report.get_reason_display }}`), a label marked with gettext_lazy or made with
    django.utils.functional.lazy; never words read before this switches language (the
    sender's request may be in another language, a task in LANGUAGE_CODE).

    The subject and the text part are plain text, rendered without HTML escaping (a guest named
    "Tom & Jerry" is not "Tom &amp; Jerry" there); the HTML part is escaped as usual.
    """
    context = {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL, **context}
    language = recipient_language(to)
    with translation.override(language):
        subject = " ".join(_render_plain(f"emails/{name}_subject.txt", context).split())
        text = _render_plain(f"emails/{name}.txt", context)
        html = render_to_string(f"emails/{name}.html", context)
    if reply_to:
        headers = {**(headers or {}), "Reply-To": reply_to}
    return queue_message(
        key=key,
        to=to,
        subject=subject,
        text=text,
        html=html,
        headers=headers,
        sensitive=sensitive,
        template=name,
        language=language,
    )


def _render_plain(template_name, context):
    """Render a template as plain text: autoescaping off, whatever the template says."""
    template = get_template(template_name).template  # the engine's own Template
    return template.render(Context(context, autoescape=False))


def queue_message(
    *, key, to, subject, text, html="", headers=None, sensitive=False, template="", language=None
):
    """Write the Delivery (unless one with this key exists) and hand it to the task queue.

    `template` names the mail (by default the key without its last part); `sensitive` seals
    the body until it is sent and drops it after. `language`: the one the words are written
    in (by default the active one, which the callers that render a mail set to the
    recipient's); the mail says it in its Content-Language header."""
    language = _offered(language) or current_language()
    if not html:
        with translation.override(language):
            html = render_to_string(
                "emails/_plain_wrapper.html",
                {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL, "text": text},
            )
    key = key[:200]
    # The text part's footer is added when the mail is sent (`build_message`), by a task that
    # may run in another process, long after the request that wrote the rest: the language is
    # kept with the mail's headers (Content-Language, which the mail carries anyway), so the
    # footer is in the language of the words above it even when that was the page's language
    # (an address with no account or subscription) or a member changes theirs meanwhile.
    headers = {LANGUAGE_HEADER: language, **(headers or {})}
    fields = {"text_body": text, "html_body": html, "headers": headers}
    if sensitive:
        fields = {"sealed_body": _seal({"key": key, "to": to, **fields})}
    try:
        with transaction.atomic():
            delivery = Delivery.objects.create(
                key=key,
                to=to,
                subject=subject[:250],
                template=(template or key.rsplit(":", 1)[0])[:100],
                is_sensitive=sensitive,
                **fields,
            )
    except IntegrityError:
        return Delivery.objects.get(key=key)
    _enqueue(delivery)
    return delivery


def build_message(*, to, subject, text, html="", headers=None, connection=None, language=None):
    """The message as every mail of ours is made: from DEFAULT_FROM_EMAIL to one address, its
    text (with the footer every text part ends with, in `language`, by default the active one)
    and the HTML as an alternative (whose footer emails/_layout.html writes). `deliver` sends
    one; the newsletter sends a batch of them over one `connection`."""
    message = EmailMultiAlternatives(
        subject=subject,
        body=_with_footer(text, language),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers=headers,
        connection=connection,
    )
    if html:
        message.attach_alternative(html, "text/html")
    return message


def _with_footer(text, language=None):
    """The text part and, after it, the links to the site's own pages (contact, privacy
    notice, guidelines, terms): added here, where every mail passes, not in each template.
    Written in `language` (the mail's), else the active language."""
    with translation.override(_offered(language) or current_language()):
        footer = _render_plain("emails/_footer.txt", {"site_url": settings.SITE_URL})
    return f"{text.rstrip()}\n\n{footer}"


# --- Sealed bodies ----------------------------------------------------------------------------


class UnreadableBody(Exception):
    """A sealed body that no current key opens (SECRET_KEY changed without a fallback), or that
    was altered or moved to another row."""


_PURPOSE = "kindred accounts.mail sealed body"


def _seal(contents):
    return seal(json.dumps(contents), _PURPOSE)


def _contents(delivery):
    """(text, html, headers) to send: read from the row, or opened from its sealed body."""
    if not delivery.sealed_body:
        return delivery.text_body, delivery.html_body, delivery.headers
    try:
        contents = json.loads(open_sealed(delivery.sealed_body, _PURPOSE))
    except InvalidToken:
        raise UnreadableBody("the sealed body opens with no current SECRET_KEY") from None
    if (contents.get("key"), contents.get("to")) != (delivery.key, delivery.to):
        raise UnreadableBody("the sealed body belongs to another delivery")
    return contents["text_body"], contents["html_body"], contents["headers"]


def _enqueue(delivery):
    deliver_mail.enqueue(delivery.pk)


def _enqueue_retry(delivery):
    """Schedule the next attempt if the backend can wait; otherwise `retry_mail` picks it up."""
    if deliver_mail.get_backend().supports_defer:
        deliver_mail.using(run_after=delivery.next_attempt_at).enqueue(delivery.pk)


def deliver(delivery_id):
    """Send one Delivery unless it was already sent. Safe to call any number of times."""
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().filter(pk=delivery_id).first()
        if delivery is None or delivery.status == Delivery.Status.SENT:
            return False
        if not deliverability.may_send(delivery.to, delivery.template):
            delivery.status = Delivery.Status.SUPPRESSED
            delivery.last_error = "not sent: the address bounces or complained (suppressed)"
            delivery.next_attempt_at = None
            _clear_body(delivery, timezone.now())
            delivery.save(update_fields=["status", "last_error", "next_attempt_at", *_BODY_FIELDS])
            return False
        delivery.attempts += 1
        try:
            text, html, headers = _contents(delivery)
            # The language the mail was written in (queue_message); a row queued before mails
            # said it: its recipient's.
            language = _offered(headers.get(LANGUAGE_HEADER)) or recipient_language(delivery.to)
            build_message(
                to=delivery.to,
                subject=delivery.subject,
                text=text,
                html=html,
                headers=headers,
                language=language,
            ).send()
        except Exception as exc:  # noqa: BLE001 - any failure to send is retried, never lost
            delay = RETRY_DELAYS[min(delivery.attempts, len(RETRY_DELAYS)) - 1]
            delivery.status = Delivery.Status.FAILED
            delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            delivery.next_attempt_at = timezone.now() + datetime.timedelta(seconds=delay)
            delivery.save(update_fields=["status", "attempts", "last_error", "next_attempt_at"])
            logger.warning("mail %s to %s failed: %s", delivery.pk, delivery.to, exc)
            failed = True
        else:
            delivery.status = Delivery.Status.SENT
            delivery.sent_at = timezone.now()
            delivery.last_error = ""
            delivery.next_attempt_at = None
            fields = ["status", "attempts", "sent_at", "last_error", "next_attempt_at"]
            if delivery.is_sensitive:  # sent: its link has no business being kept, even sealed
                _clear_body(delivery, delivery.sent_at)
            else:  # the words stay a while, the keys in its links (unsubscribe, data) do not
                delivery.text_body = hide_in_text(text)
                delivery.html_body = hide_in_text(html)
                delivery.headers = {name: hide_in_text(v) for name, v in headers.items()}
            fields += _BODY_FIELDS
            delivery.save(update_fields=fields)
            failed = False
    if failed:
        _enqueue_retry(delivery)
    return not failed


@task()
def deliver_mail(delivery_id):
    deliver(delivery_id)


_BODY_FIELDS = ["text_body", "html_body", "headers", "sealed_body", "body_cleared_at"]


def _clear_body(delivery, now):
    delivery.text_body = delivery.html_body = delivery.sealed_body = ""
    delivery.headers = {}
    delivery.body_cleared_at = now


def clear_old_bodies(now=None):
    """Empty the bodies (and headers, with their unsubscribe links) of mails sent more than
    MAIL_BODY_RETENTION_DAYS ago; the rows stay, so a repeated task still never mails twice.
    Returns how many were cleared; a second run clears none."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.MAIL_BODY_RETENTION_DAYS)
    return Delivery.objects.filter(
        status=Delivery.Status.SENT, sent_at__lte=cutoff, body_cleared_at=None
    ).update(text_body="", html_body="", headers={}, sealed_body="", body_cleared_at=now)


# A delivery still pending after this long lost its task (a worker killed mid-send, say).
STUCK_AFTER = datetime.timedelta(minutes=15)
# Where the database can say who is sending a row, sooner: `deliver` holds the row's lock for as
# long as it sends, and a killed worker's lock goes with its connection, so on PostgreSQL a
# pending row that nobody holds after this long is not being sent by anyone.
UNHELD_AFTER = datetime.timedelta(minutes=1)


def retry_due(now=None):
    """Queue again every failed delivery whose pause is over, and every stuck pending one. A row
    a worker is sending right now is left to it (and `deliver` sends a row once, whoever asks)."""
    now = now or timezone.now()
    with transaction.atomic():
        due = Delivery.objects.filter(status=Delivery.Status.FAILED, next_attempt_at__lte=now)
        if database.features.has_select_for_update_skip_locked:
            unheld = Q(status=Delivery.Status.PENDING, created_at__lte=now - UNHELD_AFTER)
            due = (due | Delivery.objects.filter(unheld)).select_for_update(skip_locked=True)
        else:
            stuck = Q(status=Delivery.Status.PENDING, created_at__lte=now - STUCK_AFTER)
            due = due | Delivery.objects.filter(stuck)
        ids = list(due.values_list("pk", flat=True))
    for delivery_id in ids:
        deliver_mail.enqueue(delivery_id)
    return len(ids)
