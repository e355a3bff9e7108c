"""Mail that stays deliverable: the mail provider's tracking webhooks (django-anymail) tell us
of bounces and complaints, and an address that bounced hard or complained is suppressed at
once for every kind of mail except what its owner asks for (a password reset, an address
confirmation); temporary bounces suppress it after MAIL_SOFT_BOUNCE_LIMIT in a row.
`accounts.mail.deliver` asks `may_send` before each mail; accounts/bounces.py records what
the provider reports. Staff see and lift suppressions in
the admin; a member sees on their account page that mail to them bounces.
"""

from django.utils import timezone

from accounts.models import MailSuppression

# Mails the person asked for just now: sent even to a suppressed address (they may have
# fixed their inbox, and a reset must never be held back). By Delivery.template.
ASKED_FOR = (
    *("allauth:password_reset", "allauth:email_confirmation", "allauth:login_code"),
    "staff_enrolment",  # a new staff member's link to set up their second factor
)


def address_key(email):
    return (email or "").strip().lower()


def _in_force(email):
    return MailSuppression.objects.filter(email=address_key(email), suppressed_at__isnull=False)


def suppression_of(email):
    """The suppression in force on `email`, or None."""
    return _in_force(email).first()


def may_send(to, template):
    """Whether a mail named `template` may go to `to` now."""
    return template.startswith(ASKED_FOR) or not _in_force(to).exists()


def lift(row, actor):
    """Staff lift a suppression: mail is tried again (a new bounce suppresses it again)."""
    row.suppressed_at, row.reason, row.soft_bounces = None, "", 0
    row.lifted_at, row.lifted_by = timezone.now(), actor
    row.save(update_fields=["suppressed_at", "reason", "soft_bounces", "lifted_at", "lifted_by"])
