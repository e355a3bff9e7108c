"""`manage.py forget_cached_pages`: no page stored before now is served again.

Run after each deploy (after `migrate`) and after changing a setting that changes what pages
show (COMMENTS_READ_GATE, say): stored copies live in Redis, which outlives a restart, and
nothing else tells them that the code, the templates or the settings that made them changed.
Safe to run at any time: each page is rendered again once, when it is next asked for.
"""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext

from kindred import freshness


class Command(BaseCommand):
    help = "Make every stored page stale (after a deploy or a settings change)."

    def handle(self, *args, **options):
        freshness.site_changed()
        self.stdout.write(gettext("Every stored page will be rendered again when next asked for."))
