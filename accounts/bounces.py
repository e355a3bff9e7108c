"""What the mail provider's tracking webhooks report (django-anymail's `tracking` signal,
connected in accounts/apps.py): hard bounces and complaints suppress an address at once,
temporary bounces after MAIL_SOFT_BOUNCE_LIMIT in a row, a delivered mail resets that count,
and a complaint also ends new-article mail (accounts/deliverability.py holds the rule)."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts import subscriptions
from accounts.deliverability import address_key
from accounts.models import MailSuppression

HARD = {"bounced": MailSuppression.Reason.HARD_BOUNCE, "rejected": MailSuppression.Reason.REJECTED}


def record(event_type, recipient, detail=""):
    """One tracking event from the provider (anymail's normalized event types)."""
    email = address_key(recipient)
    if event_type == "delivered":  # a temporary problem is over (no row for every address)
        MailSuppression.objects.filter(email=email, soft_bounces__gt=0).update(soft_bounces=0)
        return None
    if not email or not (event_type in HARD or event_type in ("complained", "deferred")):
        return None
    detail = " ".join(str(detail or "").split())[:300]
    with transaction.atomic():
        row, _ = MailSuppression.objects.select_for_update().get_or_create(email=email)
        now = timezone.now()
        if event_type in HARD or event_type == "complained":
            row.reason = HARD.get(event_type, MailSuppression.Reason.COMPLAINT)
            row.suppressed_at = row.suppressed_at or now
            row.detail = detail
        else:  # deferred: a temporary bounce
            row.soft_bounces += 1
            row.detail = detail
            if row.soft_bounces >= settings.MAIL_SOFT_BOUNCE_LIMIT and not row.suppressed_at:
                row.reason, row.suppressed_at = MailSuppression.Reason.SOFT_BOUNCES, now
        row.save()
    if event_type == "complained":  # they do not want our mail: no more new articles either
        subscriber = subscriptions.find(email)
        if subscriber is not None:
            subscriptions.unsubscribe(subscriber)
    return row


def on_tracking(sender, event, esp_name, **kwargs):
    """anymail.signals.tracking, connected in accounts/apps.py."""
    record(event.event_type, event.recipient, event.description or event.mta_response or "")
