"""Staff accounts: the admin is reached only through allauth's log-in, with a second factor.

The admin's own log-in form checks a password and nothing else (no rate limit, no second step),
so it only sends people on to allauth's. A staff member without an authenticator is sent to set
one up before any admin page, and the set-up needs a link mailed to their verified address too
(accounts/enrolment.py); one with an authenticator passed allauth's second step to log in.

Staff powers need the second factor in this session, not just on the account: a session that
gave no code (allauth records each step in the session; its "mfa" record) or set up no
authenticator here is treated as an ordinary member's everywhere. The middleware decides it
once per request (`has_staff_powers(request.user)`), and every check outside the admin asks
that; the admin and the address page are closed to such a session altogether.

allauth (65.x) counts only its own re-authentication pages as a recently given password, so a new
staff member was asked for the password again a second after signing in with it, on the way to
the set-up page. A password sign-in that needed no second factor proves the same, and counts for
as long (ACCOUNT_REAUTHENTICATION_TIMEOUT); a later, stale session is asked again.
"""

from functools import partial

from allauth.account.authentication import (
    AUTHENTICATION_METHODS_SESSION_KEY,
    get_authentication_records,
)
from allauth.account.decorators import secure_admin_login
from allauth.account.internal.flows.login import record_authentication
from allauth.account.utils import get_next_redirect_url
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from accounts import enrolment

SECOND_FACTORS = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
SET_UP_URL = "accounts:staff-enrolment"  # "we have emailed you a link" (accounts/enrolment.py)


@secure_admin_login
def admin_login(request, extra_context=None):
    """Replaces the admin's log-in view: visitors go to allauth's log-in with `next`. Even a
    signed-in staff member's POST is never read, so no password is ever checked here."""
    return redirect(get_next_redirect_url(request) or reverse("admin:index"))


def admin_password_change(request):
    """The admin's "Change password" leads to allauth's form (rate-limited, mails the owner,
    follows allauth's rules), and back to the admin after. The admin's own form is never shown
    and a POST to its address is never read."""
    query = urlencode({"next": reverse("admin:index")})
    return redirect(f"{reverse('account_change_password')}?{query}")


def admin_password_change_done(request):
    return redirect("account_change_password")


def has_second_factor(user):
    return is_mfa_enabled(user, SECOND_FACTORS)


def count_sign_in_as_recent_password(request, user):
    """Called once `user` is signed in: a sign-in by password alone is recorded as a confirmed
    password (allauth's "reauthenticated"), so setting up the first factor does not ask again.
    One that also took a second factor is left as it is: removing or replacing a factor still
    asks for the password or a code, as allauth does."""
    if has_second_factor(user):
        return
    records = get_authentication_records(request, user)
    if records and records[-1]["method"] == "password":
        records[-1] = {**records[-1], "reauthenticated": True}
        request.session[AUTHENTICATION_METHODS_SESSION_KEY] = records


def is_staff_account(user):
    return user.is_authenticated and (user.is_staff or user.is_superuser)


def _decide_staff_powers(request, user):
    """A staff account with a second factor whose session gave it. allauth writes an "mfa"
    record of this session at its code step at log-in, at its re-authentication with a code,
    and _set_up_page below writes one; each names the authenticator used, and counts only while
    that one is still the account's: a session that gave a lost phone's code has no powers once
    a superuser removed it, whatever is set up after. One query for both questions."""
    if not (is_staff_account(user) and user.is_active):
        return False
    kinds = dict(Authenticator.objects.filter(user=user).values_list("pk", "type"))
    return any(kind in SECOND_FACTORS for kind in kinds.values()) and any(
        record.get("method") == "mfa" and record.get("id") in kinds
        for record in get_authentication_records(request, user)
    )


def has_staff_powers(user):
    """Whether `user` (a request's user) may act as staff in this request: a staff account whose
    session gave its second factor. Decided by StaffSecondFactorMiddleware; any other user
    object (one not from a request, or one signed in during this request) has none."""
    return getattr(user, "_has_staff_powers", False) is True


def _with_staff_powers_marked(request, user):
    if is_staff_account(user):  # loads the lazy user: only when something asks for it
        user._has_staff_powers = _decide_staff_powers(request, user)
    return user


def _set_up_page(request, get_response):
    """The authenticator app set-up (allauth's page), opened only to a session that showed the
    mailed link. An app set up by this request (with a code from it) then counts as this
    session's code step, as a log-in with it would, and the link is spent. Recorded here
    rather than on allauth's authenticator_added signal, which is sent once the transaction
    commits, not always before the session is saved."""
    user = request.user
    if not user.is_authenticated or has_second_factor(user):
        return get_response(request)  # allauth offers to remove the one there (with a code)
    if not enrolment.is_proven(request, user):
        return redirect(SET_UP_URL)
    response = get_response(request)
    if request.method == "POST" and has_second_factor(user):
        authenticator = Authenticator.objects.filter(user=user, type__in=SECOND_FACTORS).first()
        record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type)
        enrolment.spend_proof(request)
    return response


class StaffSecondFactorMiddleware:
    """Marks each request's user with its staff powers (lazily: a page that never looks at the
    user never loads it), keeps staff without them out of the admin and the address page, and
    opens the authenticator set-up only to a session that showed the mailed link."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._paths = None

    def __call__(self, request):
        if self._paths is None:
            self._paths = {
                "admin": reverse("admin:index"),
                # The address the set-up link goes to: a thief must not move it to their own.
                "email": reverse("account_email"),
                "activate": reverse("mfa_activate_totp"),
            }
        request.user = SimpleLazyObject(partial(_with_staff_powers_marked, request, request.user))
        path = request.path
        if path.startswith(self._paths["admin"]) or path == self._paths["email"]:
            response = _staff_door(request)
            if response is not None:
                return response
        elif path == self._paths["activate"]:
            return _set_up_page(request, self.get_response)
        return self.get_response(request)


def _staff_door(request):
    """A staff account without its powers in this session is sent to get them."""
    user = request.user
    if not is_staff_account(user) or has_staff_powers(user):
        return None
    if has_second_factor(user):
        # Set up elsewhere, or promoted while signed in: this session never gave a code.
        messages.info(request, _("Enter a code from your authenticator app to continue."))
        query = urlencode({"next": request.get_full_path()})
        return redirect(f"{reverse('mfa_reauthenticate')}?{query}")
    if request.path.startswith(reverse("admin:index")):
        warning = _(
            "Staff accounts need a second factor. Set up an authenticator app to "
            "continue to the admin."
        )
    else:
        warning = _(
            "Staff accounts need a second factor. Set up an authenticator app before you "
            "change your address (or ask a superuser to change it in the admin)."
        )
    messages.warning(request, warning)
    return redirect("mfa_activate_totp" if enrolment.is_proven(request, user) else SET_UP_URL)


# --- The set-up pages ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def enrolment_page(request):
    """The page that says a set-up link was mailed: sent on the first visit, and again (a new
    one, the old one spent) on "Send it again"."""
    user = request.user
    if has_second_factor(user):
        return redirect("mfa_index")
    if enrolment.is_proven(request, user):
        return redirect("mfa_activate_totp")
    problem = None
    if request.method == "POST" or not enrolment.has_pending_link(request, user):
        try:
            enrolment.send_link(request, user)
        except enrolment.CannotSend as refused:
            problem = refused.reason
        else:
            if request.method == "POST":
                messages.success(request, _("We have sent you a new link."))
                return redirect(SET_UP_URL)
    return render(
        request,
        "accounts/staff_enrolment.html",
        {
            "address": enrolment.address_of(user),
            "problem": problem,
            "minutes": settings.STAFF_ENROLMENT_LINK_MAX_AGE_SECONDS // 60,
        },
        status=200 if problem is None else 429 if problem == "limit" else 400,
    )


@require_safe
def open_enrolment_link(request, token):
    """The mailed link. A visit changes something only in the session that asked for it, where
    it opens the set-up page, so a mail scanner (no session) cannot use it up."""
    if enrolment.open_link(request, token):
        messages.success(
            request, _("Thank you: your address is confirmed. Now set up your authenticator app.")
        )
        return redirect("mfa_activate_totp")
    return render(
        request,
        "accounts/staff_enrolment_link.html",
        {"minutes": settings.STAFF_ENROLMENT_LINK_MAX_AGE_SECONDS // 60},
        status=400,
    )
