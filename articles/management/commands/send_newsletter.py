"""Run or resume an article's newsletter in the foreground, with a progress bar."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from articles import newsletter
from articles.models import Article, NewsletterRecipient

Status = NewsletterRecipient.Status


class Command(BaseCommand):
    help = "Send (or resume sending) an article to its subscribers, in this process."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The article's slug, as in its address.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Send even though the article is marked 'no newsletter'.",
        )

    def handle(self, slug, force=False, **options):
        article = Article.objects.filter(slug=slug).first()
        if article is None:
            raise CommandError(f"No article has the slug {slug!r}.")
        if not article.is_published:
            when = article.published_at and timezone.localtime(article.published_at)
            raise CommandError(
                f"{article.title!r} is not live yet"
                + (f" (scheduled for {when:%Y-%m-%d %H:%M})." if article.is_scheduled else ".")
            )
        if not article.newsletter and not force:
            raise CommandError(
                f"{article.title!r} is marked 'no newsletter'. Use --force to send it anyway."
            )
        send, created = newsletter.start(article, "send_newsletter command", queue=False)
        if not created:
            newsletter.release_stale(send)
            newsletter.add_recipients(send)
        began = time.monotonic()
        total = send.recipients.count()
        show = options["verbosity"] > 0
        while newsletter.has_work_now(send):
            newsletter.send_batch(send.pk)
            if show:
                self._progress(newsletter.counts(send), total)
        took = time.monotonic() - began
        counts = newsletter.counts(send)
        if show:
            self._progress(counts, total)
            self.stderr.write("\n", ending="")
        rate = counts[Status.SENT] / took if took else 0
        self.stdout.write(
            f"{article.title}: {counts[Status.SENT]} sent, "
            f"{counts[Status.RETRYING]} waiting to retry, {counts[Status.FAILED]} failed, "
            f"{counts[Status.INTERRUPTED]} interrupted, {counts[Status.SKIPPED]} skipped "
            f"(unsubscribed), of {total}; this run took {took:.1f} s ({rate:.0f} mails/s)."
        )
        if counts[Status.RETRYING]:
            self.stdout.write(
                "Addresses waiting to retry go out with the worker or the next publish_due."
            )

    def _progress(self, counts, total, width=30):
        done = total - counts[Status.QUEUED] - counts[Status.SENDING]
        filled = width * done // total if total else width
        self.stderr.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} "
            f"({counts[Status.SENT]} sent, {counts[Status.RETRYING] + counts[Status.FAILED]} "
            "not yet)",
            ending="",
        )
        self.stderr.flush()
