"""`manage.py db_worker`: django_tasks_db's worker, which waits for the database to come back
instead of exiting, and runs again the task the outage cut off.

It replaces the library's command of the same name (accounts is listed before django_tasks_db in
INSTALLED_APPS) and takes the same options. Every task of ours is safe to run twice (a delivery
row is written before a mail goes out, a newsletter row is claimed before its mail), so a task
whose end could not be written down is queued again rather than left "running" for ever.
"""

import contextlib
import logging
import os
import time

from django.core.management.base import CommandError
from django.db import connections, transaction
from django.db.utils import InterfaceError, OperationalError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger("django_tasks_db")

# What a lost database looks like: the server is gone (OperationalError) or the connection to it
# was closed under us (InterfaceError).
DATABASE_GONE = (OperationalError, InterfaceError)
# Pauses between attempts to reach it again: 1 s, doubling up to 30 s.
FIRST_PAUSE, LONGEST_PAUSE = 1, 30


class CutOff(Exception):
    """Recorded on a task row whose run the database outage cut off (it was queued again)."""


class Worker(db_worker.Worker):
    def __init__(self, **options):
        super().__init__(**options)
        self.cut_off = []  # rows whose end could not be written: queued again once it answers

    def run(self):
        while True:
            try:
                return super().run()
            except DATABASE_GONE as exc:
                logger.warning("The database is unavailable (%s); waiting for it.", exc)
                self.startup_delay = False
                self._wait_for_database()
                logger.warning("The database answers again; the worker goes on.")

    def run_task(self, db_task_result):
        try:
            super().run_task(db_task_result)
        except DATABASE_GONE:  # the task's outcome could not be written down
            self.cut_off.append(db_task_result.pk)
            raise

    def _wait_for_database(self):
        """Until the database answers and the cut-off tasks are queued again."""
        pause = FIRST_PAUSE
        while True:
            for connection in connections.all(initialized_only=True):
                with contextlib.suppress(*DATABASE_GONE):
                    connection.close()  # never reuse the broken one
            time.sleep(pause)
            try:
                self._queue_cut_off_again()
            except DATABASE_GONE:
                pause = min(pause * 2, LONGEST_PAUSE)
            else:
                return

    def _queue_cut_off_again(self):
        connections[DBTaskResult.objects.db].ensure_connection()
        while self.cut_off:
            with transaction.atomic(using=DBTaskResult.objects.db):
                row = (
                    DBTaskResult.objects.select_for_update()
                    .filter(pk=self.cut_off[0], status=TaskResultStatus.RUNNING)
                    .first()
                )
                if row is not None:  # not finished after all: run it again, as a new row
                    args = row.args_kwargs
                    again = row.task.enqueue(*args["args"], **args["kwargs"])
                    row.set_failed(CutOff(f"The database went away; queued again as {again.id}"))
                    logger.warning("Task %s was cut off; queued again as %s.", row.pk, again.id)
            self.cut_off.pop(0)


class Command(db_worker.Command):
    help = (
        "Run the background worker (django_tasks_db's), waiting for the database whenever it "
        "goes away instead of exiting, and queueing again the task the outage cut off."
    )

    def handle(self, *, verbosity, queue_name, exclude_queues, reload, batch, **options):
        """The library's handle(), with this module's Worker."""
        self.configure_logging(verbosity)
        queue_names = queue_name.split(",")
        excluded_queue_names = exclude_queues.split(",") if exclude_queues else []
        if excluded_queue_names and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = Worker(
            queue_names=queue_names,
            excluded_queue_names=excluded_queue_names,
            batch=batch,
            interval=options["interval"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
        )
        if reload and not batch:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":  # the reloaded child
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
