"""Article list, article page, reviewer profile, the site's own pages (contact, privacy, ...)."""

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe
from django.views.generic import ListView
from modeltranslation.utils import get_language

from accounts import staff
from articles.forms import SearchForm
from articles.models import (
    NOT_YET_TRANSLATED,
    PAGE_NOT_YET_TRANSLATED,
    Article,
    Reviewer,
    SitePage,
)
from articles.recent import keep_until_next_publication
from articles.search import search_articles
from articles.seo import article_json_ld
from kindred import freshness, page_cache, replicas


class ArticleListView(ListView):
    template_name = "articles/article_list.html"
    context_object_name = "articles"
    paginate_by = settings.ARTICLES_PER_PAGE

    def get_queryset(self):
        return Article.objects.published().only(
            "title", "slug", "summary", "kind", "published_at", "hero_image", "hero_alt"
        )


def _shown_on_the_page(request, slug):
    """The freshness counters an article's page shows: the site's (names, the sidebar) and its
    article's (the article, its reviewers and authors, the thread under it)."""
    article_id = Article.objects.filter(slug=slug).values_list("pk", flat=True).first()
    if article_id is None:
        return [freshness.SITE]  # not found: nothing is stored
    return [freshness.SITE, freshness.article(article_id)]


def _until_next_publication():
    # The sidebar changes when the next scheduled article goes live, without any write.
    return keep_until_next_publication(settings.PAGE_CACHE_SECONDS)


# The comment thread's own addresses (comments/thread.py writes them in its links): a comment
# page from 2, and the order that is not the default. `cpage=1` or `order=newest` show a page
# that has an address of its own, so they are served but never stored.
@page_cache.cache_page(
    depends_on=_shown_on_the_page,
    expires=_until_next_publication,
    parameters={"cpage": r"[2-9]|[1-9][0-9]{1,5}", "order": r"oldest"},
)
@replicas.replica_reads  # for anonymous readers; a page to be kept, only from a caught-up one
def article_detail(request, slug):
    article = get_object_or_404(Article.objects.prefetch_related("reviewers", "authors"), slug=slug)
    is_preview = not article.is_published
    if is_preview and not staff.has_staff_powers(request.user):
        raise Http404("No such article.")
    # The whole article in one language: the reader's when its translation is complete and
    # reviewed, else English, marked as such (lang) under a note in the reader's language.
    return render(
        request,
        "articles/article_detail.html",
        {
            "article": article,
            **_language_shown(article, NOT_YET_TRANSLATED),
            "reviewers": list(article.reviewers.all()),
            "authors": list(article.authors.all()),
            "is_preview": is_preview,
            "json_ld": article_json_ld(article),
            "is_indexable": article.is_reviewed and not is_preview,
        },
    )


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


def _site_page_shown(request, kind):
    return [freshness.site_page(kind)]


@page_cache.cache_page(depends_on=_site_page_shown)
def site_page(request, kind):
    """Contact, privacy notice, community guidelines, terms of use: as staff wrote them. The
    whole page in one language: the reader's when the page has its title and text in it, else
    English, marked as such (lang) under a note in the reader's language."""
    page = get_object_or_404(SitePage, kind=kind)
    return render(
        request,
        "articles/site_page.html",
        {"page": page, **_language_shown(page, PAGE_NOT_YET_TRANSLATED)},
    )


def _language_shown(content, notes):
    """The template's `content_language` and `language_note` for an article or a site page:
    empty when it is shown in the reader's language, else the language it is shown in (for
    lang=) and, from `notes`, the note in the reader's language that says so."""
    reader_language = get_language()
    shown_language = content.shown_language(reader_language)
    if shown_language == reader_language:
        return {"content_language": "", "language_note": None}
    return {"content_language": shown_language, "language_note": notes.get(reader_language)}


# Not in the page cache: every query typed would be an address of its own. Anonymous answers
# may still be kept briefly by browsers and proxies (config.middleware.SharedCacheMiddleware).
@require_safe
@replicas.replica_reads
def search(request):
    """/search/?q=...: published articles matching the words, best first, ten a page."""
    form = SearchForm(request.GET)
    query, page = "", None
    if form.is_valid():
        query = form.cleaned_data["q"]
    if query:
        paginator = Paginator(search_articles(query), settings.ARTICLES_PER_PAGE)
        page = paginator.get_page(request.GET.get("page"))
    return render(request, "articles/search.html", {"form": form, "query": query, "page": page})
