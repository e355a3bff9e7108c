"""Subscribing to new articles: double opt-in, confirmation, one-click unsubscribe.

The answer a visitor sees never depends on whether an address is already known, so the subscribe
box cannot be used to find out who reads what.
"""

import enum
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import BaseUserManager
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from accounts import mail
from accounts.models import Subscriber

CONFIRM_SALT = "accounts.subscriptions.confirm"


class Confirmation(enum.Enum):
    CONFIRMED = "confirmed"
    ALREADY_CONFIRMED = "already confirmed"
    EXPIRED = "expired"
    INVALID = "invalid"


def normalize_email(email):
    return BaseUserManager.normalize_email(email.strip())


def find(email):
    return Subscriber.objects.filter(email__iexact=normalize_email(email)).first()


def subscribe(name, email, source=Subscriber.Source.PAGE, user=None, guest_key=""):
    """Record that `email` asked for new articles; a task then sends a confirmation if one is due.

    A member subscribing their own (verified) address is confirmed at once; anyone else gets a
    confirmation mail, at most one every CONFIRMATION_RESEND_SECONDS per address. What happens
    next is decided in the task, so the answer costs the same (the same queries, no mail sent
    while the visitor waits) whether the address is new, waiting or already subscribed.
    """
    from accounts.tasks import confirm_subscription  # tasks call back into this module

    email = normalize_email(email)
    is_own_address = (
        user is not None and user.is_authenticated and user.email.lower() == email.lower()
    )
    subscriber = _find_or_create(email, name, source)
    if is_own_address:
        _link_member(subscriber, user)
        if not subscriber.is_subscribed:
            _mark_confirmed(subscriber)
        return subscriber
    confirm_subscription.enqueue(subscriber.pk, name, guest_key)
    return subscriber


def _find_or_create(email, name, source):
    """One INSERT (ignored when the address is known) and one SELECT, whether it is known or not."""
    Subscriber.objects.bulk_create(
        [
            Subscriber(
                email=email, name=name, source=source, unsubscribe_key=secrets.token_urlsafe(32)
            )
        ],
        ignore_conflicts=True,
    )
    return find(email)


def ask_for_confirmation(subscriber_id, name, guest_key=""):
    """The rest of `subscribe`, in a task: mail a confirmation link if one is due."""
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is None or subscriber.is_subscribed:
        return  # nothing to send; the visitor was told the same thing either way
    if _is_closed_to_mail(subscriber):
        return  # "never mail this address" was chosen; only its owner can undo it
    if not subscriber.is_confirmed:
        subscriber.name = name  # the address is not proven yet; the latest name wins
    if _confirmation_is_due(subscriber):
        send_confirmation(subscriber, guest_key)
    else:
        subscriber.save(update_fields=["name"])


def _is_closed_to_mail(subscriber):
    """Unsubscribed before ever confirming: somebody else's address, or its owner said no."""
    return subscriber.unsubscribed_at is not None and subscriber.confirmed_at is None


def _confirmation_is_due(subscriber):
    sent = subscriber.confirmation_sent_at
    return sent is None or (timezone.now() - sent).total_seconds() >= (
        settings.CONFIRMATION_RESEND_SECONDS
    )


def send_confirmation(subscriber, guest_key=""):
    """Mail a confirmation link. `guest_key` names the browser whose waiting posts it releases."""
    subscriber.confirmation_nonce = secrets.token_hex(16)
    subscriber.confirmation_sent_at = timezone.now()
    subscriber.save(update_fields=["name", "confirmation_nonce", "confirmation_sent_at"])
    token = signing.dumps(
        {"s": subscriber.pk, "n": subscriber.confirmation_nonce, "g": guest_key}, salt=CONFIRM_SALT
    )
    mail.send_template(
        "subscribe_confirm",
        to=subscriber.email,
        context={
            "name": subscriber.name,
            "confirm_url": settings.SITE_URL + reverse("accounts:confirm", args=[token]),
            "was_confirmed": subscriber.is_confirmed,
            **_unsubscribe_context(subscriber),
        },
        key=f"subscribe-confirm:{subscriber.pk}:{subscriber.confirmation_nonce}",
        headers=list_unsubscribe_headers(subscriber),
        sensitive=True,
    )


@dataclass(frozen=True)
class Link:
    outcome: Confirmation
    subscriber: Subscriber = None
    guest_key: str = ""


def check_confirmation(token):
    """Read a confirmation link without changing anything (the GET that mail scanners make)."""
    try:
        data = signing.loads(
            token, salt=CONFIRM_SALT, max_age=settings.CONFIRMATION_MAX_AGE_SECONDS
        )
    except signing.SignatureExpired:
        return Link(Confirmation.EXPIRED)
    except signing.BadSignature:
        return Link(Confirmation.INVALID)
    if not isinstance(data, dict):
        return Link(Confirmation.INVALID)
    subscriber = Subscriber.objects.filter(pk=data.get("s")).first()
    if subscriber is None:
        return Link(Confirmation.INVALID)
    if not subscriber.confirmation_nonce or subscriber.confirmation_nonce != data.get("n"):
        # Used before, or replaced by a newer mail.
        if subscriber.is_subscribed:
            return Link(Confirmation.ALREADY_CONFIRMED, subscriber)
        return Link(Confirmation.INVALID)
    return Link(Confirmation.CONFIRMED, subscriber, str(data.get("g") or ""))


def confirm(token):
    """Use a confirmation link (POST). Returns the Link; changes nothing unless it is valid."""
    link = check_confirmation(token)
    if link.outcome is Confirmation.CONFIRMED:
        _mark_confirmed(link.subscriber)
        _run_confirmation_hooks(link.subscriber, link.guest_key)
    return link


def _mark_confirmed(subscriber):
    subscriber.confirmed_at = timezone.now()
    subscriber.unsubscribed_at = None
    subscriber.confirmation_nonce = ""
    subscriber.save(update_fields=["confirmed_at", "unsubscribed_at", "confirmation_nonce"])


def _link_member(subscriber, user):
    if subscriber.user_id != user.pk:
        Subscriber.objects.filter(user=user).exclude(pk=subscriber.pk).update(user=None)
        subscriber.user = user
        subscriber.save(update_fields=["user"])


def link_member_by_email(user, email):
    """After a member proves an address, an existing subscription for it becomes theirs."""
    subscriber = find(email)
    if subscriber is not None:
        _link_member(subscriber, user)


def by_unsubscribe_key(key):
    if not key or len(key) > 64:
        return None
    return Subscriber.objects.filter(unsubscribe_key=key).first()


def unsubscribe(subscriber):
    """Stop new-article mail. Saying it twice changes nothing the second time."""
    if subscriber.unsubscribed_at is None:
        subscriber.unsubscribed_at = timezone.now()
        subscriber.save(update_fields=["unsubscribed_at"])


def unsubscribe_url(subscriber):
    return settings.SITE_URL + reverse("accounts:unsubscribe", args=[subscriber.unsubscribe_key])


def _unsubscribe_context(subscriber):
    return {"unsubscribe_url": unsubscribe_url(subscriber)}


def list_unsubscribe_headers(subscriber):
    """RFC 2369 / RFC 8058 headers: mail programs show an unsubscribe button that POSTs here."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(subscriber)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def set_member_newsletter(user, wanted):
    """The newsletter checkbox in account settings."""
    subscriber = getattr(user, "subscriber", None)
    if wanted:
        subscribe(user.display_name, user.email, Subscriber.Source.ACCOUNT, user=user)
    elif subscriber is not None:
        unsubscribe(subscriber)


def member_wants_newsletter(user):
    subscriber = Subscriber.objects.filter(user=user).first()
    return subscriber is not None and subscriber.is_subscribed


# --- Guests: a visitor who shared name + email -------------------------------------------------
# The session remembers the subscriber row, and whether this browser proved the address by
# opening a confirmation link. Typing an address proves nothing: posts wait until it is proven.
GUEST_SESSION_KEY = "subscriber_id"
PROVEN_SESSION_KEY = "subscriber_proven"
_confirmation_hooks = []


GUEST_KEY_SESSION_KEY = "guest_key"


def guest_key(request):
    """A random key for this browser: posts written here carry it, so only it may edit them."""
    key = request.session.get(GUEST_KEY_SESSION_KEY)
    if not key:
        key = secrets.token_urlsafe(16)
        request.session[GUEST_KEY_SESSION_KEY] = key
    return key


def remember_guest(request, subscriber, proven=False):
    """The browser now speaks for `subscriber` (and, once `proven`, for the address). The session
    gets a new key, so a key planted or seen before this step does not carry the identity."""
    request.session.cycle_key()
    if request.session.get(GUEST_SESSION_KEY) != subscriber.pk:
        request.session[PROVEN_SESSION_KEY] = False
    request.session[GUEST_SESSION_KEY] = subscriber.pk
    guest_key(request)
    if proven:
        request.session[PROVEN_SESSION_KEY] = True


def guest_subscriber_id(request):
    return request.session.get(GUEST_SESSION_KEY)


def guest_is_proven(request):
    return bool(request.session.get(PROVEN_SESSION_KEY))


def register_confirmation_hook(hook):
    """hook(subscriber, guest_key) runs when a confirmation link is used: comments releases
    the posts written in the browser that asked for that link, and only those."""
    if hook not in _confirmation_hooks:
        _confirmation_hooks.append(hook)


def _run_confirmation_hooks(subscriber, key):
    for hook in _confirmation_hooks:
        hook(subscriber, key)


def ask_to_confirm(subscriber, key):
    """Mail a fresh confirmation link unless one went out in the last few minutes."""
    if _confirmation_is_due(subscriber) and not _is_closed_to_mail(subscriber):
        send_confirmation(subscriber, key)
