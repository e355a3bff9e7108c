"""allauth adapter: its mails go through accounts.mail like every other mail.

Links in mails are built from settings.SITE_URL, never from the request's Host header, so a
forged Host cannot put an attacker's address in front of a reset token. The failed-login lockout
is keyed on the account alone (allauth adds the Host, port included, which an attacker varies).
A new member's language is the page's they signed up on; allauth's mails are written in their
recipient's language (accounts.mail.recipient_language), whichever page asked for them.
"""

import uuid
from types import SimpleNamespace
from urllib.parse import quote, urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from accounts import mail
from accounts.addresses import validate_plain_address


def site_link(path):
    """An absolute link on the site, whatever Host the request came with."""
    return settings.SITE_URL + path


def _rebased(url):
    """The same path and query on SITE_URL (for links allauth built from the request)."""
    parts = urlsplit(url)
    return site_link(parts.path + (f"?{parts.query}" if parts.query else ""))


# What allauth's mail templates call `current_site` (without django.contrib.sites it would be
# made from the request's Host).
def _current_site():
    return SimpleNamespace(name=settings.SITE_NAME, domain=urlsplit(settings.SITE_URL).netloc)


def _carries_a_secret(context):
    """A reset or confirmation link, or a code, in the mail: it is then never kept readable
    (accounts/mail.py). allauth hands these to its templates under these names."""
    return any(context.get(name) for name in ("key", "code", "activate_url"))


class AccountAdapter(DefaultAccountAdapter):
    def clean_email(self, email):
        """Every allauth form that takes an address (sign-up, password reset, adding an
        address) asks this first, before looking anything up: a quoted local part
        ("ann"@…, "a\\nn"@…) reaches the plain name's inbox, so it is refused rather than
        counted as an inbox of its own."""
        validate_plain_address(email)
        return super().clean_email(email)

    def save_user(self, request, user, form, commit=True):
        """A new member's pages and mails are in the language of the page they signed up on
        (theirs to change in their settings, or with the footer's switcher)."""
        user.language = mail.current_language()
        return super().save_user(request, user, form, commit=commit)

    def send_mail(self, template_prefix, email, context):
        ctx = {
            "email": email,
            "site_name": settings.SITE_NAME,
            "site_url": settings.SITE_URL,
            **context,
            "current_site": _current_site(),
        }
        for name, value in context.items():
            if name.endswith("_url") and isinstance(value, str) and "://" in value:
                ctx[name] = _rebased(value)
        # In the recipient's language, not the page's: a reset asked for on an English page
        # reaches a member who chose Spanish in Spanish.
        language = mail.recipient_language(email)
        with translation.override(language):
            message = self.render_mail(template_prefix, email, ctx)
        html = next(
            (content for content, mimetype in message.alternatives if mimetype == "text/html"), ""
        )
        # Each call is a new message (allauth rate-limits them itself); the Delivery row still
        # keeps a task that runs twice from sending it twice.
        mail.queue_message(
            key=f"allauth:{template_prefix.rsplit('/', 1)[-1]}:{uuid.uuid4().hex}",
            to=email,
            subject=message.subject,
            text=message.body,
            html=html,
            sensitive=_carries_a_secret(context),
            language=language,
        )

    def get_reset_password_from_key_url(self, key):
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return site_link(path.replace("UID-KEY", quote(key)))

    def get_email_confirmation_url(self, request, emailconfirmation):
        return site_link(reverse("account_confirm_email", args=[emailconfirmation.key]))

    def send_account_already_exists_mail(self, email):
        self.send_mail(
            "account/email/account_already_exists",
            email,
            {
                "signup_url": site_link(reverse("account_signup")),
                "password_reset_url": site_link(reverse("account_reset_password")),
            },
        )

    def _get_login_attempts_cache_key(self, request, **credentials):
        login = credentials.get("email", credentials.get("username", "")).lower()
        return f"login:{login}"


def user_display(user):
    """How allauth names a member in pages and mails: the public display name."""
    return user.display_name or gettext("member")
