"""Empty the IP addresses of posts and reports older than IP_RETENTION_DAYS (daily; safe to run
twice: a second run finds nothing left to empty)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from comments.personal_data import purge_ip_addresses


class Command(BaseCommand):
    help = "Forget IP addresses older than IP_RETENTION_DAYS (default 90)."

    def handle(self, *args, **options):
        emptied = purge_ip_addresses()
        counts = ", ".join(f"{n} {name}" for name, n in emptied.items())
        self.stdout.write(
            f"Emptied IP addresses older than {settings.IP_RETENTION_DAYS} days: {counts}."
        )
