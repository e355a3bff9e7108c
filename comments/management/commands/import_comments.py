"""`manage.py import_comments FILE`: comments from Disqus, WordPress or a Kindred export.

What is kept and what is not: docs/moving-to-kindred.md. Safe to run twice (a post already
imported is found by its source's id); `--dry-run` reads and reports and writes nothing.
"""

import os

from django.core.management.base import BaseCommand, CommandError

from comments import import_formats, importing
from kindred.progress import progress_bar


class Command(BaseCommand):
    help = (
        "Import comments from a Disqus export (XML), a WordPress export (WXR) or a Kindred "
        "export (JSON), as guests' posts under the articles they match. Safe to run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the export file")
        parser.add_argument(
            "--format",
            dest="file_format",
            choices=("auto", *import_formats.FORMATS),
            default="auto",
            help="the file's format (default: told from its first bytes)",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="read the file and report what would be stored; write nothing",
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="no progress bar on standard error"
        )

    def handle(self, *args, path, file_format, dry_run, no_progress, **options):
        if not os.path.isfile(path):
            raise CommandError(f"No such file: {path}")
        if not os.access(path, os.R_OK):
            raise CommandError(f"Cannot read {path}: permission denied.")
        if file_format == "auto":
            file_format = import_formats.detect(path)
            if not file_format:
                raise CommandError(
                    f"{path} is not a Disqus, WordPress or Kindred export as far as its first "
                    "bytes tell; name its format with --format disqus|wordpress|kindred."
                )
        progress = None if no_progress else progress_bar(self.stderr, after=" read")
        try:
            posts = import_formats.read(path, file_format, progress)
            report = importing.import_posts(posts, dry_run=dry_run)
        except import_formats.ExportError as error:
            raise CommandError(f"{path}: {error} Nothing was imported.") from None
        finally:
            if progress is not None and self.stderr.isatty():
                self.stderr.write("")  # the bar's line ends
        self._report(report, file_format, dry_run)

    def _report(self, report, file_format, dry_run):
        would = "Would store" if dry_run else "Stored"
        lines = [
            f"Read {report.read} posts from the {file_format} export.",
            f"{would} {report.stored}: {report.published} published, {report.pending} "
            "waiting for review"
            + (
                f" ({report.held_by_rules} of them approved on the old site, held by this "
                "site's moderation rules)."
                if report.held_by_rules
                else "."
            ),
            f"Already here from an earlier run: {report.already_here}.",
        ]
        if report.without_parent:
            lines.append(
                f"Replies whose parent is not in the file, stored at the top of their "
                f"thread: {report.without_parent}."
            )
        for reason, count in sorted(report.skipped.items()):
            lines.append(f"Skipped, {reason}: {count}.")
        if report.unmatched:
            posts = sum(u.posts for u in report.unmatched.values())
            lines.append(f"Not matched to any article (by slug or address), {posts} posts skipped:")
            for unmatched in report.unmatched.values():
                place = unmatched.place
                where = place.url or place.slug or place.key
                title = f" “{place.title}”" if place.title else ""
                lines.append(f"  {where}{title}: {unmatched.posts} posts")
        if dry_run:
            lines.append("Dry run: nothing was written.")
        self.stdout.write("\n".join(lines))
