"""allauth's sign-up and password-reset forms, with Kindred's limits (settings.ACCOUNT_FORMS).

Apart from accounts/forms.py because allauth's forms module imports that one (the sign-up form
is built on SignupExtraForm), so subclassing allauth's forms there would import in a circle.
"""

from allauth.account.forms import ResetPasswordForm as BaseResetPasswordForm
from allauth.account.forms import SignupForm as BaseSignupForm
from django import forms
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.utils.translation import gettext_lazy as _

from accounts import privacy
from accounts.ratelimits import hit


class SignupForm(BaseSignupForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The consent box (SignupExtraForm) goes last, after the passwords allauth adds here.
        self.fields["agrees_to_terms"] = self.fields.pop("agrees_to_terms")

    def try_save(self, request):
        """A taken address costs what a new account costs: the password is hashed either way,
        so the answer's timing does not tell whether the address has an account."""
        if self.account_already_exists and self.cleaned_data.get("password1"):
            make_password(self.cleaned_data["password1"])
        return super().try_save(request)


class ResetPasswordForm(BaseResetPasswordForm):
    """At most PASSWORD_RESET_MAIL_LIMIT mails to one inbox, whoever asks, member or not: the
    "no account here" mail counts too, and the answer is the same for both."""

    too_many = _(
        "We cannot send another mail to this address right now. If you asked for one in the "
        "last hour, please look in your inbox (and spam folder); otherwise try again later."
    )

    def clean(self):
        cleaned_data = super().clean()
        email = cleaned_data.get("email")
        if email and not self.errors:
            limit, window = settings.PASSWORD_RESET_MAIL_LIMIT
            # Fails closed: with the store down, nobody's inbox can be flooded.
            if not hit(
                "reset-mail", privacy.inbox_limit_key(email), limit, window, fail_closed=True
            ):
                raise forms.ValidationError(self.too_many, code="too_many_mails")
        return cleaned_data
