"""Mail articles whose time has come; resume newsletter sends with work waiting.

Run it every minute from cron or a periodic task. Two copies at once are harmless.
"""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext

from articles import newsletter


class Command(BaseCommand):
    help = "Start the newsletter for articles that went live; resume unfinished sends."

    def handle(self, *args, **options):
        started, resumed = newsletter.publish_due()
        if options["verbosity"]:
            self.stdout.write(
                gettext(
                    "%(started)d article(s) went out to subscribers; %(resumed)d send(s) resumed."
                )
                % {"started": started, "resumed": resumed}
            )
