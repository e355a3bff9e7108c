"""Staff accounts: the admin is reached only through allauth's log-in, with a second factor.

The admin's own log-in form checks a password and nothing else (no rate limit, no second step),
so it only sends people on to allauth's. A staff member without an authenticator is sent to set
one up before any admin page; one with an authenticator passed allauth's second step to log in.
"""

from allauth.account.decorators import secure_admin_login
from allauth.account.utils import get_next_redirect_url
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

SECOND_FACTORS = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]


@secure_admin_login
def admin_login(request, extra_context=None):
    """Replaces the admin's log-in view: visitors go to allauth's log-in with `next`. Even a
    signed-in staff member's POST is never read, so no password is ever checked here."""
    return redirect(get_next_redirect_url(request) or reverse("admin:index"))


def has_second_factor(user):
    return is_mfa_enabled(user, SECOND_FACTORS)


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
