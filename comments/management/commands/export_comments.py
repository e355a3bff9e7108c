"""`manage.py export_comments`: every article's thread as JSON (docs/moving-to-kindred.md).

The file holds commenters' email addresses (so another site can keep each one's posts
together): keep it as private as the database.
"""

from django.core.management.base import BaseCommand, CommandError

from comments.exporting import export_threads


class Command(BaseCommand):
    help = (
        "Write every article's comment thread as JSON (published posts; --all for every "
        "status), readable by import_comments."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", "-o", default="-", help="the file to write (default: standard output)"
        )
        parser.add_argument(
            "--all",
            action="store_true",
            dest="include_all",
            help="every post, whatever its status (waiting, rejected, spam, removed)",
        )

    def handle(self, *args, output, include_all, **options):
        if output == "-":
            articles, posts = export_threads(
                lambda text: self.stdout.write(text, ending=""), include_all=include_all
            )
        else:
            try:
                with open(output, "x", encoding="utf-8") as out:
                    articles, posts = export_threads(out.write, include_all=include_all)
            except FileExistsError:
                raise CommandError(f"{output} exists already; nothing was written.") from None
            except OSError as error:
                raise CommandError(f"Cannot write {output}: {error.strerror}.") from None
        self.stderr.write(f"Exported {posts} posts under {articles} articles.")
