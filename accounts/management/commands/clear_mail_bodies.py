"""Empty the bodies of mails sent more than MAIL_BODY_RETENTION_DAYS ago (cron-safe)."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext

from accounts.mail import clear_old_bodies


class Command(BaseCommand):
    help = (
        "Clear the text, HTML and headers of mails sent more than MAIL_BODY_RETENTION_DAYS ago. "
        "Safe to run at any time, and twice."
    )

    def handle(self, *args, **options):
        count = clear_old_bodies()
        self.stdout.write(
            gettext("Cleared the bodies of %(count)d mails sent more than %(days)d days ago.")
            % {"count": count, "days": settings.MAIL_BODY_RETENTION_DAYS}
        )
