"""The recent-articles sidebar: a short list, cached until the site changes (kindred.freshness)."""

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation

from articles.markdown import plain_excerpt
from articles.models import Article
from kindred import freshness, replicas

CACHE_KEY = "articles:recent:v3"  # and the language: each has its own titles
LONGEST_CACHE_SECONDS = 600


@dataclass(frozen=True)
class RecentArticle:
    pk: int
    title: str
    url: str
    excerpt: str
    is_video: bool
    language: str  # of the title and excerpt (English until a translation is reviewed)


def recent_articles(exclude_pk=None):
    """The newest published articles, leaving out the one being read."""
    # Read before the list: a list made under it is never newer than the articles it shows.
    stamp = freshness.current([freshness.SITE])
    kept = cache.get(_key())
    if stamp is not None and kept is not None and kept[0] == stamp:
        entries = kept[1]
    else:
        # From the primary, even on a page read from a replica: the list is kept under the
        # stamp just read, so it must be at least as new (kindred/replicas.py).
        with replicas.primary_reads():
            entries = _load(stamp)
    return [entry for entry in entries if entry.pk != exclude_pk][: settings.RECENT_ARTICLES_COUNT]


def _load(stamp):
    now = timezone.now()
    # One more than shown, so leaving out the current article still fills the list.
    rows = Article.objects.published(now).only("pk", "title", "slug", "summary", "kind")[
        : settings.RECENT_ARTICLES_COUNT + 1
    ]
    entries = [
        RecentArticle(
            pk=row.pk,
            title=row.title,
            url=row.get_absolute_url(),
            excerpt=plain_excerpt(row.summary, 100),
            is_video=row.is_video,
            language=row.shown_language(),
        )
        for row in rows
    ]
    if stamp is not None:
        # A scheduled article goes live without any write, so never keep the list past its time.
        timeout = keep_until_next_publication(LONGEST_CACHE_SECONDS, now)
        cache.set(_key(), (stamp, entries), timeout)
    return entries


def _key():
    return f"{CACHE_KEY}:{translation.get_language()}"


def keep_until_next_publication(longest, now=None):
    """Seconds anything showing the recent articles may be kept: at most `longest`, and never
    past the moment the next scheduled article goes live (it does so without any write)."""
    now = now or timezone.now()
    next_up = (
        Article.objects.scheduled(now)
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
    )
    if next_up is None:
        return longest
    return max(1, min(longest, int((next_up - now).total_seconds()) + 1))
