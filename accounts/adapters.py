"""allauth adapter: its mails go through accounts.mail like every other mail."""

import hashlib

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site

from accounts import mail


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix, email, context):
        request = allauth_context.request
        ctx = {
            "request": request,
            "email": email,
            "current_site": get_current_site(request),
            "site_name": settings.SITE_NAME,
            "site_url": settings.SITE_URL,
        }
        ctx.update(context)
        message = self.render_mail(template_prefix, email, ctx)
        html = next(
            (content for content, mimetype in message.alternatives if mimetype == "text/html"), ""
        )
        # The same message to the same address is one delivery; a fresh link makes a new one.
        digest = hashlib.sha256(f"{message.subject}\n{message.body}".encode()).hexdigest()[:24]
        mail.queue_message(
            key=f"allauth:{template_prefix.rsplit('/', 1)[-1]}:{email.lower()}:{digest}",
            to=email,
            subject=message.subject,
            text=message.body,
            html=html,
        )


def user_display(user):
    """How allauth names a member in pages and mails: the public display name."""
    return user.display_name or "member"
