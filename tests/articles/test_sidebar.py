"""The recent-articles sidebar on every article page, and the page's query count."""

import datetime

import pytest
from django.utils import timezone

from articles import publishing
from articles.models import Article

pytestmark = pytest.mark.django_db


def _sidebar(page):
    return page.split('aria-labelledby="recent-articles-title"', 1)[1].split("</aside>", 1)[0]


def test_sidebar_lists_recent_articles_leaving_out_the_current_one(client, make_article):
    older = [make_article(title=f"Older piece {n}") for n in range(7)]
    current = older[0]
    sidebar = _sidebar(client.get(current.get_absolute_url()).content.decode())
    assert current.title not in sidebar
    assert sidebar.count('class="recent-list__item"') == 6
    assert older[1].title in sidebar and older[1].summary[:20] in sidebar


def test_video_articles_carry_a_video_badge(client, make_article):
    make_article(
        title="Watch this", kind=Article.Kind.VIDEO, video_url="https://videos.example.org/1"
    )
    reading = make_article(title="Read this")
    sidebar = _sidebar(client.get(reading.get_absolute_url()).content.decode())
    assert 'Watch this</a> <span class="badge badge-video">Video</span>' in sidebar


def test_sidebar_refreshes_when_an_article_is_published_or_changed(client, make_article):
    current = make_article(title="Being read")
    client.get(current.get_absolute_url())  # fills the cache
    fresh = make_article(title="Just published", published_at=timezone.now())
    assert "Just published" in _sidebar(client.get(current.get_absolute_url()).content.decode())
    fresh.title = "Retitled piece"
    publishing.save_article(fresh)
    assert "Retitled piece" in _sidebar(client.get(current.get_absolute_url()).content.decode())


def test_cached_sidebar_never_outlives_a_scheduled_publication(client, make_article, monkeypatch):
    from articles import recent

    timeouts = []
    real_set = recent.cache.set
    monkeypatch.setattr(
        recent.cache,
        "set",
        lambda key, value, timeout: timeouts.append(timeout) or real_set(key, value, timeout),
    )
    current = make_article(title="Being read")
    make_article(title="Coming soon", published_at=timezone.now() + datetime.timedelta(minutes=5))
    assert "Coming soon" not in _sidebar(client.get(current.get_absolute_url()).content.decode())
    # Kept at most until the scheduled article goes live (5 minutes), not the usual 10.
    assert timeouts and timeouts[-1] <= 5 * 60 + 1


@pytest.mark.parametrize("recent_count", [1, 20])
def test_article_page_query_count_is_constant(
    client, settings, make_article, make_reviewer, recent_count, django_assert_num_queries
):
    settings.PAGE_CACHE_SECONDS = 0  # the page as rendered (cached: tests/kindred/)
    reviewers = [make_reviewer(), make_reviewer()]
    for _ in range(recent_count):
        make_article(reviewers=reviewers)
    article = make_article(reviewers=reviewers, authors=[make_reviewer()])
    # Cold cache: 1 the article, 2 its reviewers, 3 its authors, 4 the comment count (an
    # anonymous reader sees only the count), 5 the recent articles, 6 the next scheduled
    # article (for the sidebar's cache lifetime).
    with django_assert_num_queries(6):
        assert client.get(article.get_absolute_url()).status_code == 200
    # Warm cache: the sidebar comes from the cache.
    with django_assert_num_queries(4):
        assert client.get(article.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("article_count", [2, 30])
def test_home_page_query_count_is_constant(
    client, make_article, article_count, django_assert_num_queries
):
    for _ in range(article_count):
        make_article()
    # 1 the count for the paginator, 2 the page of articles.
    with django_assert_num_queries(2):
        assert client.get("/").status_code == 200
