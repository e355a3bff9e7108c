"""Article list, article page, reviewer profile."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.generic import ListView

from articles import page_sections
from articles.models import Article, Reviewer
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
    if not page_cache.can_use(request):
        return _render_article(request, slug)
    stamps = (
        Article.objects.published()
        .filter(slug=slug)
        .values_list("pk", "updated_at", "thread_changed_at")
        .first()
    )
    if stamps is None:  # not live: a draft preview for staff, or a 404
        return _render_article(request, slug)
    key = page_cache.key_for(request, *stamps)
    cached = page_cache.get(key)
    if cached is not None:
        return cached
    response = _render_article(request, slug)
    return page_cache.store(key, request, response, timeout=_until_next_publication())


def _until_next_publication():
    """The sidebar changes when a scheduled article goes live, without any save."""
    from django.utils import timezone

    next_up = (
        Article.objects.scheduled().order_by("published_at").values_list("published_at", flat=True)
    ).first()
    if next_up is None:
        return settings.PAGE_CACHE_SECONDS
    return max(1, int((next_up - timezone.now()).total_seconds()))


def _render_article(request, slug):
    article = get_object_or_404(Article.objects.prefetch_related("reviewers", "authors"), slug=slug)
    is_preview = not article.is_published
    if is_preview and not request.user.is_staff:
        raise Http404("No such article.")
    reviewers = list(article.reviewers.all())
    return render(
        request,
        "articles/article_detail.html",
        {
            "article": article,
            "reviewers": reviewers,
            "authors": list(article.authors.all()),
            "is_preview": is_preview,
            "json_ld": article_json_ld(article),
            "is_indexable": article.is_reviewed and not is_preview,
            "sections": page_sections.sections_for(request, article),
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
