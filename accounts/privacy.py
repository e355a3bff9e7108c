"""Personal-data registry: "export my data" and "delete my account" reach every app.

accounts knows nothing of the apps above it, so each app that stores personal data registers an
exporter and an eraser here from its AppConfig.ready(), as WordPress's personal-data tools do.
"""

from django.db import transaction

_exporters = {}
_erasers = {}


def register_exporter(section, exporter):
    """exporter(user) -> JSON-serializable data, stored under `section` in the export."""
    _exporters[section] = exporter


def register_eraser(section, eraser):
    """eraser(user, keep_contributions) removes or anonymizes what `section` holds on the user."""
    _erasers[section] = eraser


def export_member(user):
    return {section: exporter(user) for section, exporter in sorted(_exporters.items())}


def delete_member(user, keep_contributions):
    """Run every eraser, then delete the member. Contributions stay anonymous only if asked."""
    with transaction.atomic():
        for _, eraser in sorted(_erasers.items()):
            eraser(user, keep_contributions)
        user.delete()


def _iso(value):
    return value.isoformat() if value else None


def export_account(user):
    from allauth.account.models import EmailAddress

    return {
        "email": user.email,
        "display_name": user.display_name,
        "bio": user.bio,
        "notify_replies": user.notify_replies,
        "date_joined": _iso(user.date_joined),
        "last_login": _iso(user.last_login),
        "email_addresses": [
            {"email": a.email, "verified": a.verified, "primary": a.primary}
            for a in EmailAddress.objects.filter(user=user)
        ],
    }


def export_subscription(user):
    from accounts.models import Subscriber

    subscriber = (
        Subscriber.objects.filter(user=user).first()
        or Subscriber.objects.filter(email__iexact=user.email).first()
    )
    if subscriber is None:
        return None
    return {
        "email": subscriber.email,
        "name": subscriber.name,
        "source": subscriber.source,
        "subscribed_at": _iso(subscriber.created_at),
        "confirmed_at": _iso(subscriber.confirmed_at),
        "unsubscribed_at": _iso(subscriber.unsubscribed_at),
    }


def export_mail(user):
    """The mails sent to the member, named by subject and template. Never their bodies or
    headers: those hold links (reset, confirmation, unsubscribe) that must not travel in a file."""
    from accounts.models import Delivery

    return [
        {
            "subject": d.subject,
            "template": d.template,
            "status": d.status,
            "created_at": _iso(d.created_at),
            "sent_at": _iso(d.sent_at),
        }
        for d in Delivery.objects.filter(to__iexact=user.email).order_by("created_at")
    ]


def erase_subscription_and_mail(user, keep_contributions):
    from accounts.models import Delivery, Subscriber

    Subscriber.objects.filter(user=user).delete()
    Subscriber.objects.filter(email__iexact=user.email).delete()
    Delivery.objects.filter(to__iexact=user.email).delete()
