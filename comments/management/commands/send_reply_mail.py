"""Send the reply mails that waited for their hour to pass (cron-safe, safe to run twice)."""

from django.core.management.base import BaseCommand

from comments.notifications import send_all_due


class Command(BaseCommand):
    help = "Mail batched reply notifications whose hour has passed."

    def handle(self, *args, **options):
        self.stdout.write(f"Sent {send_all_due()} reply mails.")
