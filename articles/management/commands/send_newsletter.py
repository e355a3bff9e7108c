"""Run or resume an article's newsletter in the foreground, with a progress bar."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext, ngettext

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
            raise CommandError(gettext("No article has the slug %(slug)r.") % {"slug": slug})
        if not article.is_published:
            if article.is_scheduled:
                when = timezone.localtime(article.published_at)
                raise CommandError(
                    gettext("%(title)r is not live yet (scheduled for %(when)s).")
                    % {"title": article.title, "when": f"{when:%Y-%m-%d %H:%M}"}
                )
            raise CommandError(gettext("%(title)r is not live yet.") % {"title": article.title})
        if not article.newsletter and not force:
            raise CommandError(
                gettext("%(title)r is marked 'no newsletter'. Use --force to send it anyway.")
                % {"title": article.title}
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
            gettext(
                "%(title)s: %(sent)d sent, %(retrying)d waiting to retry, %(failed)d failed, "
                "%(interrupted)d interrupted, %(skipped)d skipped (unsubscribed), of %(total)d; "
                "this run took %(took).1f s (%(rate).0f mails/s)."
            )
            % {
                "title": article.title,
                "sent": counts[Status.SENT],
                "retrying": counts[Status.RETRYING],
                "failed": counts[Status.FAILED],
                "interrupted": counts[Status.INTERRUPTED],
                "skipped": counts[Status.SKIPPED],
                "total": total,
                "took": took,
                "rate": rate,
            }
        )
        if counts[Status.RETRYING]:
            self.stdout.write(
                gettext(
                    "Addresses waiting to retry go out with the worker or the next publish_due."
                )
            )
        if counts[Status.SENDING]:
            self.stdout.write(
                ngettext(
                    "%(held)d address is still held by a worker (stopped, or still sending). If "
                    "that worker stopped, once the 15-minute lease is over the address is marked "
                    "interrupted if its mail may have been on its way, else queued again for the "
                    "next publish_due or another run of this command.",
                    "%(held)d addresses are still held by workers (stopped, or still sending). "
                    "For each worker that stopped, once the 15-minute lease is over the one "
                    "address whose mail may have been on its way is marked interrupted and the "
                    "others are queued again for the next publish_due or another run of this "
                    "command.",
                    counts[Status.SENDING],
                )
                % {"held": counts[Status.SENDING]}
            )

    def _progress(self, counts, total, width=30):
        done = total - counts[Status.QUEUED] - counts[Status.SENDING]
        filled = width * done // total if total else width
        self.stderr.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} "
            + gettext("(%(sent)d sent, %(not_yet)d not yet)")
            % {
                "sent": counts[Status.SENT],
                "not_yet": counts[Status.RETRYING] + counts[Status.FAILED],
            },
            ending="",
        )
        self.stderr.flush()
