"""The recent-articles sidebar: a short list, cached, refreshed when an article changes."""

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from articles.markdown import plain_excerpt

CACHE_KEY = "articles:recent:v1"
LONGEST_CACHE_SECONDS = 600


@dataclass(frozen=True)
class RecentArticle:
    pk: int
    title: str
    url: str
    excerpt: str
    is_video: bool


def recent_articles(exclude_pk=None):
    """The newest published articles, leaving out the one being read."""
    entries = cache.get(CACHE_KEY)
    if entries is None:
        entries = _load()
    return [entry for entry in entries if entry.pk != exclude_pk][: settings.RECENT_ARTICLES_COUNT]


def forget_recent_articles():
    """Called whenever an article is saved or deleted: the next page view rebuilds the list."""
    cache.delete(CACHE_KEY)


def _load():
    from articles.models import Article  # articles.models calls forget_recent_articles()

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
        )
        for row in rows
    ]
    # A scheduled article goes live without a save, so never keep the list past its time.
    cache.set(CACHE_KEY, entries, keep_until_next_publication(LONGEST_CACHE_SECONDS, now))
    return entries


def keep_until_next_publication(longest, now=None):
    """Seconds anything showing the recent articles may be kept: at most `longest`, and never
    past the moment the next scheduled article goes live (it does so without any save)."""
    from articles.models import Article

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
