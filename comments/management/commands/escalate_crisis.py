"""Alert every staff account about urgent posts nobody acted on in time (cron, every minute)."""

from django.core.management.base import BaseCommand

from comments.crisis import escalate_unanswered


class Command(BaseCommand):
    help = "Mail all staff about each possible-crisis post no moderator has acted on in time."

    def handle(self, *args, **options):
        count = escalate_unanswered()
        self.stdout.write(f"Escalated {count} urgent post(s)." if count else "Nothing overdue.")
