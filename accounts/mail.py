"""Every mail the project sends goes through here.

A Delivery row is written first, keyed by what is sent to whom, then a task sends it. A task that
runs twice finds the row already sent and does nothing; a failed send stays in the table and is
retried with growing pauses, never dropped.
"""

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import timezone

from accounts.models import Delivery

logger = logging.getLogger(__name__)

# Pauses between attempts: 1 min, 5 min, 30 min, 2 h, then every 6 h until it goes through.
RETRY_DELAYS = [60, 300, 1800, 7200, 21600]


def send_template(name, to, context, key, headers=None):
    """Render emails/<name>_subject.txt, .txt and .html and queue the message once per key.

    The subject and the text part are plain text, rendered without HTML escaping (a guest named
    "Tom & Jerry" is not "Tom &amp; Jerry" there); the HTML part is escaped as usual.
    """
    context = {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL, **context}
    subject = " ".join(_render_plain(f"emails/{name}_subject.txt", context).split())
    text = _render_plain(f"emails/{name}.txt", context)
    html = render_to_string(f"emails/{name}.html", context)
    return queue_message(key=key, to=to, subject=subject, text=text, html=html, headers=headers)


def _render_plain(template_name, context):
    """Render a template as plain text: autoescaping off, whatever the template says."""
    template = get_template(template_name).template  # the engine's own Template
    return template.render(Context(context, autoescape=False))


def queue_message(*, key, to, subject, text, html="", headers=None):
    """Write the Delivery (unless one with this key exists) and hand it to the task queue."""
    if not html:
        html = render_to_string(
            "emails/_plain_wrapper.html",
            {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL, "text": text},
        )
    try:
        with transaction.atomic():
            delivery = Delivery.objects.create(
                key=key[:200],
                to=to,
                subject=subject[:250],
                text_body=text,
                html_body=html,
                headers=headers or {},
            )
    except IntegrityError:
        return Delivery.objects.get(key=key[:200])
    _enqueue(delivery)
    return delivery


def _enqueue(delivery):
    from accounts.tasks import deliver_mail  # tasks call back into this module

    deliver_mail.enqueue(delivery.pk)


def _enqueue_retry(delivery):
    """Schedule the next attempt if the backend can wait; otherwise `retry_mail` picks it up."""
    from accounts.tasks import deliver_mail

    if deliver_mail.get_backend().supports_defer:
        deliver_mail.using(run_after=delivery.next_attempt_at).enqueue(delivery.pk)


def deliver(delivery_id):
    """Send one Delivery unless it was already sent. Safe to call any number of times."""
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().filter(pk=delivery_id).first()
        if delivery is None or delivery.status == Delivery.Status.SENT:
            return False
        message = EmailMultiAlternatives(
            subject=delivery.subject,
            body=delivery.text_body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[delivery.to],
            headers=delivery.headers,
        )
        if delivery.html_body:
            message.attach_alternative(delivery.html_body, "text/html")
        delivery.attempts += 1
        try:
            message.send()
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
            delivery.save(
                update_fields=["status", "attempts", "sent_at", "last_error", "next_attempt_at"]
            )
            failed = False
    if failed:
        _enqueue_retry(delivery)
    return not failed


# A delivery still pending after this long lost its task (a worker crash, say): queue it again.
STUCK_AFTER = datetime.timedelta(minutes=15)


def retry_due(now=None):
    """Queue again every failed delivery whose pause is over, and every stuck pending one."""
    now = now or timezone.now()
    due = Delivery.objects.filter(
        Q(status=Delivery.Status.FAILED, next_attempt_at__lte=now)
        | Q(status=Delivery.Status.PENDING, created_at__lte=now - STUCK_AFTER)
    )
    count = 0
    for delivery in due.only("pk"):
        _enqueue(delivery)
        count += 1
    return count
