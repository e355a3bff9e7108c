"""Mail articles whose time has come; resume newsletter sends with work waiting.

Run it every minute from cron or a periodic task. Two copies at once are harmless.
"""

from django.core.management.base import BaseCommand

from articles import newsletter


class Command(BaseCommand):
    help = "Start the newsletter for articles that went live; resume unfinished sends."

    def handle(self, *args, **options):
        started, resumed = newsletter.publish_due()
        if options["verbosity"]:
            self.stdout.write(
                f"{started} article(s) went out to subscribers; {resumed} send(s) resumed."
            )
