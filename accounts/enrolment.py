"""A first authenticator is set up only by whoever also reads the account's mailbox.

Without an authenticator, a sign-in asks for the password alone; if the set-up page opened
then, a stolen password would be enough to plant the thief's authenticator on the account (a
new staff member's, or one whose lost authenticator a superuser removed). So the set-up page
opens only once this session has shown a link mailed to the account's verified address.

The link works once, for STAFF_ENROLMENT_LINK_MAX_AGE_SECONDS, and only in the session that
asked for it: the session keeps a hash of it, never the link itself, so a database or session
store that is read gives nothing to open, and the owner opening it in another browser proves
nothing for a thief's session. Mails are limited per account (STAFF_ENROLMENT_MAIL_LIMIT),
refused when the limit cannot be counted (they reach a real inbox), and sent `sensitive`.
"""

import hashlib
import hmac
import secrets
import time
import uuid

from allauth.account.models import EmailAddress
from django.conf import settings
from django.urls import reverse

from accounts import mail, ratelimits

_PENDING_SESSION_KEY = "staff_enrolment_link"  # {"user", "digest", "sent", "expires"}
_PROVEN_SESSION_KEY = "staff_enrolment_proven"  # [user pk, when the link was opened]


class CannotSend(Exception):
    """No link went out: the account has no verified address (`reason` "address"), or its
    mails are over the limit or cannot be counted now ("limit")."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def address_of(user):
    """The verified address the link goes to: the primary one, else any verified one."""
    addresses = EmailAddress.objects.filter(user=user, verified=True).order_by("-primary", "pk")
    found = addresses.values_list("email", flat=True).first()
    return found or ""


def _digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def _pending(request, user):
    pending = request.session.get(_PENDING_SESSION_KEY)
    if not isinstance(pending, dict) or pending.get("user") != str(user.pk):
        return None
    if pending.get("expires", 0) < time.time():
        return None
    return pending


def has_pending_link(request, user):
    return _pending(request, user) is not None


def send_link(request, user):
    """Mail a new link to `user`'s verified address; any link sent before stops working.
    Returns the address; raises CannotSend."""
    address = address_of(user)
    if not address:
        raise CannotSend("address")
    limit, window = settings.STAFF_ENROLMENT_MAIL_LIMIT
    if not ratelimits.hit("staff-enrolment-mail", user.pk, limit, window, fail_closed=True):
        raise CannotSend("limit")
    token = secrets.token_urlsafe(32)
    now = time.time()
    request.session[_PENDING_SESSION_KEY] = {
        "user": str(user.pk),
        "digest": _digest(token),
        "sent": now,
        "expires": now + settings.STAFF_ENROLMENT_LINK_MAX_AGE_SECONDS,
    }
    link = settings.SITE_URL + reverse("accounts:staff-enrolment-link", args=[token])
    mail.send_template(
        "staff_enrolment",
        address,
        {
            "name": user.display_name,
            "link": link,
            "minutes": settings.STAFF_ENROLMENT_LINK_MAX_AGE_SECONDS // 60,
            "password_reset_url": settings.SITE_URL + reverse("account_reset_password"),
        },
        key=f"staff_enrolment:{user.pk}:{uuid.uuid4().hex}",
        sensitive=True,
    )
    return address


def open_link(request, token):
    """True when `token` is this session's link for its signed-in user, unused and in time:
    the session is then proven and the link is spent. Any other visit changes nothing."""
    user = request.user
    if not user.is_authenticated:
        return False
    pending = _pending(request, user)
    if pending is None or not hmac.compare_digest(pending["digest"], _digest(token)):
        return False
    del request.session[_PENDING_SESSION_KEY]
    request.session[_PROVEN_SESSION_KEY] = [str(user.pk), time.time()]
    return True


def is_proven(request, user):
    """Whether this session opened `user`'s link since their last authenticator was set up,
    within the link's own lifetime (a proof left unused for days proves little)."""
    proof = request.session.get(_PROVEN_SESSION_KEY)
    if not user.is_authenticated or not isinstance(proof, list) or len(proof) != 2:
        return False
    who, at = proof
    max_age = settings.STAFF_ENROLMENT_LINK_MAX_AGE_SECONDS
    return who == str(user.pk) and isinstance(at, float) and time.time() - at <= max_age


def spend_proof(request):
    """An authenticator was set up: the next one (after a loss) needs a new mail."""
    request.session.pop(_PROVEN_SESSION_KEY, None)
