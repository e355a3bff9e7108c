"""Personal-data registry: "export my data" and "delete my account" reach every app.

accounts knows nothing of the apps above it, so each app that stores personal data registers an
exporter and an eraser here from its AppConfig.ready(), as WordPress's personal-data tools do.
A guest (a Subscriber without an account) has the same two tools, reached through the key in
any mail we sent them: each app registers guest exporters and erasers keyed by the Subscriber.
"""

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.crypto import salted_hmac

from accounts.addresses import GMAIL_DOMAINS, inbox_of
from kindred import freshness

_exporters = {}
_erasers = {}
_guest_exporters = {}
_guest_erasers = {}


def register_exporter(section, exporter):
    """exporter(user) -> JSON-serializable data, stored under `section` in the export."""
    _exporters[section] = exporter


def register_eraser(section, eraser):
    """eraser(user, keep_contributions) removes or anonymizes what `section` holds on the user."""
    _erasers[section] = eraser


def register_guest_exporter(section, exporter):
    """exporter(subscriber) -> JSON-serializable data held on a guest's address."""
    _guest_exporters[section] = exporter


def register_guest_eraser(section, eraser):
    """eraser(subscriber) removes what `section` holds on a guest's address."""
    _guest_erasers[section] = eraser


def export_member(user):
    return {section: exporter(user) for section, exporter in sorted(_exporters.items())}


def delete_member(user, keep_contributions):
    """Run every eraser, then delete the member. Contributions stay anonymous only if asked."""
    with transaction.atomic():
        for _, eraser in sorted(_erasers.items()):
            eraser(user, keep_contributions)
        user.delete()
    freshness.site_changed()  # their name, posts and hugs may show on any page


def export_guest(subscriber):
    return {section: exporter(subscriber) for section, exporter in sorted(_guest_exporters.items())}


def delete_guest(subscriber):
    """Run every guest eraser, then forget the address: its mails, and the subscription whose
    key reached this (the key stops working). The key proves the inbox, so the same is done to
    every other spelling of the address that reaches it (Gmail dots, +tags, case)."""
    with transaction.atomic():
        rows = [subscriber, *same_inbox_subscribers([subscriber.email]).exclude(pk=subscriber.pk)]
        for row in rows:
            for _, eraser in sorted(_guest_erasers.items()):
                eraser(row)
        _mail_to([row.email for row in rows]).delete()
        for row in rows:
            row.delete()
    freshness.site_changed()  # their name and posts may show on any page


def _same_inbox(queryset, field, addresses):
    """The rows of `queryset` whose `field` is an address reaching the inbox of one of
    `addresses` (accounts.addresses.inbox_of). The database narrows by domain; the inbox
    rule itself is applied here."""
    inboxes = {inbox_of(address) for address in addresses if address and address.strip()}
    domains = {address.rpartition("@")[2].strip().lower() for address in addresses if address}
    for inbox in inboxes:
        domain = inbox.rpartition("@")[2]
        domains |= GMAIL_DOMAINS if domain in GMAIL_DOMAINS else {domain}
    narrowed = Q(pk__in=[])
    for domain in domains - {""}:
        narrowed |= Q(**{f"{field}__iendswith": "@" + domain})
    found = [
        pk
        for pk, value in queryset.filter(narrowed).values_list("pk", field)
        if inbox_of(value) in inboxes
    ]
    return queryset.filter(pk__in=found)


def same_inbox_subscribers(addresses):
    """Every Subscriber row whose address reaches the inbox of one of `addresses`."""
    from accounts.models import Subscriber

    return _same_inbox(Subscriber.objects.all(), "email", addresses)


def verified_addresses(user):
    """The addresses a member proved are theirs (allauth), and their account address."""
    from allauth.account.models import EmailAddress

    addresses = {user.email.casefold()} if user.email else set()
    addresses |= {
        email.casefold()
        for email in EmailAddress.objects.filter(user=user, verified=True).values_list(
            "email", flat=True
        )
    }
    return sorted(addresses)


_ADDRESS_SALT = "accounts.privacy.address_hash"


def address_hash(email):
    """What may be kept of an address after its owner erased it (a ban, say), and what a ban is
    matched on: HMAC-SHA256 of the inbox the address reaches (accounts.addresses.inbox_of, so
    Bob+2@ is bob@), keyed from SECRET_KEY, so it can be matched but not read back. "" for no
    address."""
    if not email or not email.strip():
        return ""
    return _hash(inbox_of(email), settings.SECRET_KEY)


_LIMIT_SALT = "accounts.privacy.inbox_limit_key"


def inbox_limit_key(email):
    """The key rate limits count an inbox under (reset and confirmation mails): HMAC-SHA256 of
    the inbox (accounts.addresses.inbox_of), keyed from SECRET_KEY with a salt of its own, so
    the limits' store holds nothing that a list of addresses could be hashed to match."""
    return _hash_with(_LIMIT_SALT, inbox_of(email), settings.SECRET_KEY)


def address_hashes(email):
    """The hashes to match an address against: its inbox's under the current key and the older
    ones still accepted (SECRET_KEY_FALLBACKS), and the address as typed (casefolded), which is
    how hashes were made before they were by inbox. None for an empty address."""
    if not email or not email.strip():
        return []
    values = dict.fromkeys([inbox_of(email), email.strip().casefold()])
    keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return [_hash(value, key) for key in keys for value in values]


def _hash(value, key):
    return _hash_with(_ADDRESS_SALT, value, key)


def _hash_with(salt, value, key):
    return salted_hmac(salt, value, secret=key, algorithm="sha256").hexdigest()


def _mail_to(addresses):
    """The mails sent to any address reaching the inbox of one of `addresses`."""
    from accounts.models import Delivery

    return _same_inbox(Delivery.objects.all(), "to", addresses)


def _iso(value):
    return value.isoformat() if value else None


def export_account(user):
    from allauth.account.models import EmailAddress

    return {
        "email": user.email,
        "display_name": user.display_name,
        "bio": user.bio,
        "role": user.role,
        "living_with": user.living_with,
        "profile_public": user.profile_public,
        "profile_address": f"/members/{user.handle}/" if user.handle else None,
        "profession_verified": user.profession_verified,
        "profession_verified_at": _iso(user.profession_verified_at),
        "agreed_to_terms_at": _iso(user.agreed_to_terms_at),
        "notify_replies": user.notify_replies,
        # The language of their pages and mails ("" until chosen: the page's, then).
        "language": user.language,
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
        "new_articles_chosen_at": _iso(subscriber.newsletter_at),
        "unsubscribed_at": _iso(subscriber.unsubscribed_at),
        "language": subscriber.language,
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
    """The member's subscription, and those of every address reaching an inbox they proved
    (their guest past, under any spelling), with the mails to them."""
    from accounts.models import Subscriber

    addresses = verified_addresses(user)
    linked = list(Subscriber.objects.filter(user=user).values_list("email", flat=True))
    Subscriber.objects.filter(user=user).delete()
    same_inbox_subscribers(addresses).delete()
    _mail_to([*addresses, *linked]).delete()


def export_guest_subscription(subscriber):
    return {
        "email": subscriber.email,
        "name": subscriber.name,
        "source": subscriber.source,
        "subscribed_at": _iso(subscriber.created_at),
        "confirmed_at": _iso(subscriber.confirmed_at),
        "new_articles_chosen_at": _iso(subscriber.newsletter_at),
        "unsubscribed_at": _iso(subscriber.unsubscribed_at),
        "reply_mails": subscriber.notify_replies,
        "language": subscriber.language,  # the language of the mails we send them
    }


def export_guest_mail(subscriber):
    return [
        {"subject": d.subject, "status": d.status, "created_at": _iso(d.created_at)}
        for d in _mail_to([subscriber.email]).order_by("created_at")
    ]
