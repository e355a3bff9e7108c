"""Mail the moderators what started waiting since the last digest (cron-safe, every 30 min)."""

from django.core.management.base import BaseCommand

from comments.notifications import tell_moderators


class Command(BaseCommand):
    help = "Send the moderators' digest of newly waiting posts, if one is due."

    def handle(self, *args, **options):
        sent = tell_moderators()
        self.stdout.write("Digest sent." if sent else "Nothing new, or a digest went out recently.")
