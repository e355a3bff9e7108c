"""allauth adapter: its mails go through accounts.mail like every other mail."""

import uuid

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
        # Each call is a new message (allauth rate-limits them itself); the Delivery row still
        # keeps a task that runs twice from sending it twice.
        mail.queue_message(
            key=f"allauth:{template_prefix.rsplit('/', 1)[-1]}:{uuid.uuid4().hex}",
            to=email,
            subject=message.subject,
            text=message.body,
            html=html,
        )


def user_display(user):
    """How allauth names a member in pages and mails: the public display name."""
    return user.display_name or "member"
