"""Queue again the mails whose last attempt failed and whose pause is over (cron-safe)."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext

from accounts.mail import retry_due


class Command(BaseCommand):
    help = "Retry failed mail deliveries that are due. Safe to run at any time, and twice."

    def handle(self, *args, **options):
        count = retry_due()
        self.stdout.write(
            gettext("Queued %(count)d failed deliveries for another attempt.") % {"count": count}
        )
