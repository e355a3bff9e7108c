import datetime

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from articles import newsletter, publishing
from articles.models import Article, NewsletterRecipient, NewsletterSend, Reviewer, SitePage
from kindred import freshness, images
from kindred.admin_widgets import LabelledDateTimeAdmin

Status = NewsletterRecipient.Status


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


# Longest side of a stored hero image (shown up to the page's width, and in mails) and of a
# reviewer's photo (shown at 120 px, twice that on sharp screens).
HERO_IMAGE_SIDE = 2000
REVIEWER_PHOTO_SIDE = 480


def _reencoded(value, longest_side):
    """A new upload made fresh from its pixels (no EXIF or GPS, a random name); the picture
    already stored, or "clear", as it is."""
    if not isinstance(value, UploadedFile):
        return value
    try:
        return images.reencoded(value, longest_side)
    except images.PictureError as error:
        raise forms.ValidationError(str(error)) from None


class ArticleAdminForm(forms.ModelForm):
    def clean_hero_image(self):
        return _reencoded(self.cleaned_data.get("hero_image"), HERO_IMAGE_SIDE)


class ReviewerAdminForm(forms.ModelForm):
    def clean_photo(self):
        return _reencoded(self.cleaned_data.get("photo"), REVIEWER_PHOTO_SIDE)


@admin.register(Article)
class ArticleAdmin(LabelledDateTimeAdmin, admin.ModelAdmin):
    form = ArticleAdminForm
    list_display = [
        "title",
        "status",
        "kind",
        "published_at",
        "last_reviewed_at",
        "review_state",
        "newsletter_state",
    ]
    list_filter = ["status", "kind", ReviewStateFilter, "newsletter", "is_sample"]
    list_select_related = ["newsletter_send"]
    actions = ["send_newsletter_now", "send_newsletter_including_interrupted"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    search_fields = ["title", "summary", "body"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "published_at"
    filter_horizontal = ["authors", "reviewers"]
    readonly_fields = ["created_at", "updated_at", "newsletter_report"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "body", "kind", "video_url"]}),
        ("Picture", {"fields": ["hero_image", "hero_alt", "hero_caption", "hero_credit"]}),
        (
            "Publishing",
            {"fields": ["status", "published_at", "comments_open", "created_at", "updated_at"]},
        ),
        ("Newsletter", {"fields": ["newsletter", "newsletter_report"]}),
        ("Medical review", {"fields": ["reviewers", "last_reviewed_at", "authors"]}),
        ("Other", {"fields": ["is_sample"]}),
    ]

    @admin.display(description="review")
    def review_state(self, article):
        if not article.is_reviewed:
            return "never reviewed"
        return "review due" if article.is_review_due() else "up to date"

    @admin.display(description="newsletter")
    def newsletter_state(self, article):
        send = getattr(article, "newsletter_send", None)
        if send is None:
            return "—" if not article.newsletter else "when live"
        return "sent" if send.finished_at else "sending"

    @admin.display(description="newsletter so far")
    def newsletter_report(self, article):
        send = NewsletterSend.objects.filter(article=article).first() if article.pk else None
        if send is None:
            return "Not sent yet."
        return _report(send)

    def save_model(self, request, obj, form, change):
        # Its reviewers and authors are saved next (save_related), in the same transaction:
        # the pages are told again when it commits (kindred.freshness).
        publishing.save_article(obj)
        # Going live mails the subscribers: a direct call, not a signal (STYLE.md).
        send = newsletter.go_live(obj, f"published by {request.user}")
        if send is not None:
            self.message_user(
                request,
                f"The newsletter is going out to {send.recipients.count()} subscriber(s).",
            )
        elif (
            obj.is_published
            and obj.newsletter
            and not NewsletterSend.objects.filter(article=obj).exists()
        ):
            self.message_user(
                request,
                f"This article went live more than {settings.NEWSLETTER_MAX_AGE_HOURS} hours ago, "
                "so it was not mailed automatically. To mail it now, use “Send the newsletter” "
                "in the article list.",
                messages.WARNING,
            )

    def delete_model(self, request, obj):
        article_id = obj.pk
        super().delete_model(request, obj)
        freshness.article_changed(article_id)

    def delete_queryset(self, request, queryset):
        article_ids = list(queryset.values_list("pk", flat=True))
        super().delete_queryset(request, queryset)
        for article_id in article_ids:
            freshness.article_changed(article_id)

    @admin.action(
        description="Send the newsletter (again: only to those who did not get it)",
        permissions=["change"],
    )
    def send_newsletter_now(self, request, queryset):
        self._send(request, queryset, include_interrupted=False)

    @admin.action(
        description="Send the newsletter again, interrupted addresses too (some may get it twice)",
        permissions=["change"],
    )
    def send_newsletter_including_interrupted(self, request, queryset):
        self._send(request, queryset, include_interrupted=True)

    def _send(self, request, queryset, include_interrupted):
        for article in queryset:
            if not article.is_published:
                self.message_user(
                    request, f"{article}: not live yet, nothing sent.", messages.WARNING
                )
                continue
            send, created = newsletter.start(article, f"sent by {request.user}")
            if created:
                count = send.recipients.count()
                self.message_user(request, f"{article}: going out to {count} subscriber(s).")
            else:
                count = newsletter.resend(send, str(request.user), include_interrupted)
                self.message_user(
                    request, f"{article}: sent again to {count} who had not received it."
                )


def _report(send):
    counts = newsletter.counts(send)
    took = send.took
    link = reverse("admin:articles_newsletterrecipient_changelist") + f"?send__id__exact={send.pk}"
    return format_html(
        "{} queued, {} sending, {} sent, {} waiting to retry, {} failed, {} interrupted, "
        "{} skipped. {} <a href='{}'>Every address</a>.",
        counts[Status.QUEUED],
        counts[Status.SENDING],
        counts[Status.SENT],
        counts[Status.RETRYING],
        counts[Status.FAILED],
        counts[Status.INTERRUPTED],
        counts[Status.SKIPPED],
        f"Took {took.total_seconds():.1f} s." if took else "Not finished.",
        link,
    )


def _count(status):
    return Count("recipients", filter=Q(recipients__status=status))


class _SendRecordAdmin(admin.ModelAdmin):
    """A record of who was mailed: read-only, and never deleted through its own pages, since a
    deleted record could let the article be mailed to everyone again. Deleting the article (or
    a subscriber) still removes its rows."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def delete_view(self, request, object_id, extra_context=None):
        raise PermissionDenied("Newsletter records are kept: they say who was mailed.")


@admin.register(NewsletterSend)
class NewsletterSendAdmin(_SendRecordAdmin):
    """Each article's send: how far it got, what failed, how long it took. Read-only."""

    list_display = [
        "article",
        "requested_by",
        "created_at",
        "queued",
        "sent",
        "retrying",
        "failed",
        "took_seconds",
    ]
    list_select_related = ["article"]
    readonly_fields = [
        "article",
        "requested_by",
        "created_at",
        "started_at",
        "finished_at",
        "report",
    ]
    fields = readonly_fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_queued=_count(Status.QUEUED) + _count(Status.SENDING),
                n_sent=_count(Status.SENT),
                n_retrying=_count(Status.RETRYING),
                n_failed=_count(Status.FAILED) + _count(Status.INTERRUPTED),
            )
        )

    @admin.display(description="queued", ordering="n_queued")
    def queued(self, send):
        return send.n_queued

    @admin.display(description="sent", ordering="n_sent")
    def sent(self, send):
        return send.n_sent

    @admin.display(description="waiting to retry", ordering="n_retrying")
    def retrying(self, send):
        return send.n_retrying

    @admin.display(description="failed", ordering="n_failed")
    def failed(self, send):
        if not send.n_failed:
            return 0
        link = reverse("admin:articles_newsletterrecipient_changelist")
        return format_html(
            "<a href='{}?send__id__exact={}&status__in=failed,interrupted'>{}</a>",
            link,
            send.pk,
            send.n_failed,
        )

    @admin.display(description="took")
    def took_seconds(self, send):
        return f"{send.took.total_seconds():.1f} s" if send.took else "not finished"

    @admin.display(description="so far")
    def report(self, send):
        return _report(send)


@admin.register(NewsletterRecipient)
class NewsletterRecipientAdmin(_SendRecordAdmin):
    """Every address of every send, with the last error: nothing fails out of sight."""

    list_display = ["subscriber", "send", "status", "attempts", "next_attempt_at", "last_error"]
    list_filter = ["status", "send"]
    list_select_related = ["subscriber", "send__article"]
    search_fields = ["subscriber__email"]
    show_full_result_count = False


@admin.register(Reviewer)
class ReviewerAdmin(admin.ModelAdmin):
    form = ReviewerAdminForm
    list_display = ["name", "credentials", "headline", "is_sample"]
    list_filter = ["is_sample"]
    search_fields = ["name", "credentials", "headline"]
    prepopulated_fields = {"slug": ["name"]}

    def save_model(self, request, obj, form, change):
        publishing.save_reviewer(obj)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        freshness.site_changed()  # gone from the pages of the articles they worked on

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        freshness.site_changed()


@admin.register(SitePage)
class SitePageAdmin(admin.ModelAdmin):
    """The contact, privacy, guidelines and terms pages: one row each (made by a migration),
    at fixed addresses that the footer, every mail and the sign-up form link to, so rows are
    edited, never added or deleted."""

    list_display = ["title", "kind", "updated_at", "is_sample", "address"]
    list_filter = ["is_sample"]
    fields = ["kind", "title", "body", "is_sample", "updated_at", "address"]
    readonly_fields = ["kind", "updated_at", "address"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("address"))
    def address(self, page):
        return format_html("<a href='{0}'>{0}</a>", page.get_absolute_url())

    def save_model(self, request, obj, form, change):
        publishing.save_site_page(obj)
