"""Empty the bodies of mails sent more than MAIL_BODY_RETENTION_DAYS ago (cron-safe)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.mail import clear_old_bodies


class Command(BaseCommand):
    help = (
        "Clear the text, HTML and headers of mails sent more than MAIL_BODY_RETENTION_DAYS ago. "
        "Safe to run at any time, and twice."
    )

    def handle(self, *args, **options):
        count = clear_old_bodies()
        self.stdout.write(
            f"Cleared the bodies of {count} mails sent more than "
            f"{settings.MAIL_BODY_RETENTION_DAYS} days ago."
        )
