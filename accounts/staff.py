"""Staff accounts: the admin is reached only through allauth's log-in, with a second factor.

The admin's own log-in form checks a password and nothing else (no rate limit, no second step),
so it only sends people on to allauth's. A staff member without an authenticator is sent to set
one up before any admin page; one with an authenticator passed allauth's second step to log in.

allauth (65.x) counts only its own re-authentication pages as a recently given password, so a new
staff member was asked for the password again a second after signing in with it, on the way to
the set-up page. A password sign-in that needed no second factor proves the same, and counts for
as long (ACCOUNT_REAUTHENTICATION_TIMEOUT); a later, stale session is asked again.
"""

from allauth.account.authentication import (
    AUTHENTICATION_METHODS_SESSION_KEY,
    get_authentication_records,
)
from allauth.account.decorators import secure_admin_login
from allauth.account.utils import get_next_redirect_url
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

SECOND_FACTORS = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]


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


class StaffSecondFactorMiddleware:
    """Every admin address asks a staff member for an authenticator before anything else."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._admin_prefix = None

    def __call__(self, request):
        if self._admin_prefix is None:
            self._admin_prefix = reverse("admin:index")
        user = getattr(request, "user", None)
        if (
            request.path.startswith(self._admin_prefix)
            and user is not None
            and user.is_authenticated
            and user.is_staff
            and not has_second_factor(user)
        ):
            messages.warning(
                request,
                _(
                    "Staff accounts need a second factor. Set up an authenticator app to "
                    "continue to the admin."
                ),
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)
