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
    timeout = LONGEST_CACHE_SECONDS
    next_up = (
        Article.objects.scheduled(now)
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
    )
    if next_up is not None:
        timeout = max(1, min(timeout, int((next_up - now).total_seconds()) + 1))
    cache.set(CACHE_KEY, entries, timeout)
    return entries
