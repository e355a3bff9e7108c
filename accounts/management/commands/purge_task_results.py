"""Delete finished background-task rows and expired address claims (cron-safe)."""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext
from django_tasks_db.models import DBTaskResult

from accounts.subscriptions import purge_expired_claims


class Command(BaseCommand):
    help = (
        "Delete task rows that finished more than TASK_RESULT_RETENTION_HOURS ago (with "
        "TASKS_BACKEND=database the task table keeps each task's arguments, result and "
        "traceback), and the names typed with an address whose confirmation links have all "
        "expired. Safe to run at any time, and twice."
    )

    def handle(self, *args, **options):
        hours = settings.TASK_RESULT_RETENTION_HOURS
        cutoff = timezone.now() - datetime.timedelta(hours=hours)
        # Every backend alias and queue: rows left from any of them hold the same kind of data.
        tasks, _ = DBTaskResult.objects.finished().filter(finished_at__lte=cutoff).delete()
        claims = purge_expired_claims()
        self.stdout.write(
            gettext(
                "Deleted %(tasks)d task rows finished more than %(hours)d hours ago and "
                "%(claims)d expired address claims."
            )
            % {"tasks": tasks, "hours": hours, "claims": claims}
        )
