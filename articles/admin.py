import datetime

from django.conf import settings
from django.contrib import admin
from django.utils import timezone

from articles.models import Article, Reviewer


def _review_cutoff():
    return timezone.localdate() - datetime.timedelta(days=settings.REVIEW_INTERVAL_DAYS)


class ReviewStateFilter(admin.SimpleListFilter):
    title = "medical review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("due", "Review due"), ("never", "Never reviewed"), ("current", "Up to date")]

    def queryset(self, request, queryset):
        if self.value() == "due":
            return queryset.filter(last_reviewed_at__lt=_review_cutoff())
        if self.value() == "never":
            return queryset.filter(last_reviewed_at__isnull=True)
        if self.value() == "current":
            return queryset.filter(last_reviewed_at__gte=_review_cutoff())
        return queryset


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "kind", "published_at", "last_reviewed_at", "review_state"]
    list_filter = ["status", "kind", ReviewStateFilter, "is_sample"]
    search_fields = ["title", "summary", "body"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "published_at"
    filter_horizontal = ["authors", "reviewers"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "body", "kind", "video_url"]}),
        ("Picture", {"fields": ["hero_image", "hero_alt", "hero_caption", "hero_credit"]}),
        ("Publishing", {"fields": ["status", "published_at", "created_at", "updated_at"]}),
        ("Medical review", {"fields": ["reviewers", "last_reviewed_at", "authors"]}),
        ("Other", {"fields": ["is_sample"]}),
    ]

    @admin.display(description="review")
    def review_state(self, article):
        if not article.is_reviewed:
            return "never reviewed"
        return "review due" if article.is_review_due() else "up to date"


@admin.register(Reviewer)
class ReviewerAdmin(admin.ModelAdmin):
    list_display = ["name", "credentials", "headline", "is_sample"]
    list_filter = ["is_sample"]
    search_fields = ["name", "credentials", "headline"]
    prepopulated_fields = {"slug": ["name"]}
