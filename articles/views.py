"""Article list, article page, reviewer profile."""

import time
from functools import partial

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.generic import ListView

from accounts import staff
from articles import page_sections
from articles.models import Article, Reviewer
from articles.recent import keep_until_next_publication
from articles.seo import article_json_ld
from config import page_cache


class ArticleListView(ListView):
    template_name = "articles/article_list.html"
    context_object_name = "articles"
    paginate_by = settings.ARTICLES_PER_PAGE

    def get_queryset(self):
        return Article.objects.published().only(
            "title", "slug", "summary", "kind", "published_at", "hero_image", "hero_alt"
        )


def article_detail(request, slug):
    response, is_preview = _render_article(request, slug)
    if not is_preview:
        # Shared with every anonymous reader by config.page_cache, until the page changes or
        # the next scheduled article goes live (the sidebar changes then, without any save).
        response.page_cacheable = True
        response.page_cache_timeout = partial(  # asked only when the page is stored
            keep_until_next_publication, settings.PAGE_CACHE_SECONDS
        )
    return response


# Articles as this process last read them, with their reviewers and authors, and the site's
# generation they were read under (config/page_cache.py): saving or deleting any article,
# reviewer or member, or changing an article's reviewers or authors, moves it, so a kept
# article is used only while nothing it shows changed, and no longer than a cached page (a
# change whose bump was lost to a Redis outage is not shown for longer than that either).
# Shared by the threads of the process: nothing writes to them once kept.
_articles = {}
KEPT_ARTICLES = 100


def _article_and_people(request, slug):
    stamp = page_cache.request_stamp(request)  # read before the article: never newer than it
    kept = _articles.get(slug)
    if (
        kept is not None
        and stamp is not None
        and kept[0] == stamp[0]
        and time.monotonic() < kept[1] + settings.PAGE_CACHE_SECONDS
    ):
        return kept[2]
    article = get_object_or_404(Article.objects.prefetch_related("reviewers", "authors"), slug=slug)
    found = (article, list(article.reviewers.all()), list(article.authors.all()))
    if stamp is not None:
        if len(_articles) >= KEPT_ARTICLES:
            _articles.clear()
        _articles[slug] = (stamp[0], time.monotonic(), found)
    return found


def _render_article(request, slug):
    article, reviewers, authors = _article_and_people(request, slug)
    is_preview = not article.is_published
    if is_preview and not staff.has_staff_powers(request.user):
        raise Http404("No such article.")
    response = render(
        request,
        "articles/article_detail.html",
        {
            "article": article,
            "reviewers": reviewers,
            "authors": authors,
            "is_preview": is_preview,
            "json_ld": article_json_ld(article),
            "is_indexable": article.is_reviewed and not is_preview,
            "sections": page_sections.sections_for(request, article),
        },
    )
    return response, is_preview


def reviewer_detail(request, slug):
    reviewer = get_object_or_404(Reviewer, slug=slug)
    reviewed = reviewer.reviewed_articles.published().only(
        "title", "slug", "summary", "kind", "published_at"
    )
    return render(
        request,
        "articles/reviewer_detail.html",
        {"reviewer": reviewer, "reviewed_articles": reviewed},
    )
