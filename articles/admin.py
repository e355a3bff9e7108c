import datetime

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext, pgettext
from django.utils.translation import gettext_lazy as _

from articles import newsletter, publishing
from articles.models import (
    DEFAULT_LANGUAGE,
    TRANSLATION_LANGUAGES,
    Article,
    NewsletterRecipient,
    NewsletterSend,
    Reviewer,
    SitePage,
)
from kindred import freshness, images
from kindred.admin_widgets import LabelledDateTimeAdmin

Status = NewsletterRecipient.Status


def _review_cutoff():
    return timezone.localdate() - datetime.timedelta(days=settings.REVIEW_INTERVAL_DAYS)


def _any_review_before(cutoff):
    """The English article's review, or a translation's (each has its own), is older."""
    found = Q(**{f"last_reviewed_at_{DEFAULT_LANGUAGE}__lt": cutoff})
    for language in TRANSLATION_LANGUAGES:
        found |= Q(**{f"last_reviewed_at_{language}__lt": cutoff})
    return found


class ReviewStateFilter(admin.SimpleListFilter):
    # The columns are named: an unsuffixed name would be the staff member's language's column.
    title = _("medical review")
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [
            ("due", _("Review due")),
            ("never", _("Never reviewed")),
            ("current", _("Up to date")),
        ]

    def queryset(self, request, queryset):
        english = f"last_reviewed_at_{DEFAULT_LANGUAGE}"
        if self.value() == "due":
            return queryset.filter(_any_review_before(_review_cutoff()))
        if self.value() == "never":
            return queryset.filter(**{f"{english}__isnull": True})
        if self.value() == "current":
            return queryset.exclude(**{f"{english}__isnull": True}).exclude(
                _any_review_before(_review_cutoff())
            )
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
    """The English article under the fields' own names (title, summary, ...), each translation
    beside it (title_es, ...). The unsuffixed names read and write the shown language's columns
    (articles/translation.py), so the form fills and applies them with English active."""

    def __init__(self, *args, **kwargs):
        with translation.override(DEFAULT_LANGUAGE):
            super().__init__(*args, **kwargs)

    def _post_clean(self):
        # Copies the cleaned values into the article, then Article.clean(): a translation is
        # complete and reviewed, or not begun (its messages are lazy: shown in the staff
        # member's language).
        with translation.override(DEFAULT_LANGUAGE):
            super()._post_clean()

    def clean_hero_image(self):
        return _reencoded(self.cleaned_data.get("hero_image"), HERO_IMAGE_SIDE)


class ReviewerAdminForm(forms.ModelForm):
    def clean_photo(self):
        return _reencoded(self.cleaned_data.get("photo"), REVIEWER_PHOTO_SIDE)


def _beside_translations(*names):
    """Each field with its translations beside it, on one row: ("title", "title_es")."""
    return [(name, *(f"{name}_{code}" for code in TRANSLATION_LANGUAGES)) for name in names]


def _translated_columns(*names):
    return [
        f"{name}_{code}" for name in names for code in (DEFAULT_LANGUAGE, *TRANSLATION_LANGUAGES)
    ]


@admin.register(Article)
class ArticleAdmin(LabelledDateTimeAdmin, admin.ModelAdmin):
    # Not modeltranslation's TranslationAdmin: that one renames the English inputs (title_en,
    # ...), and its tabs load jQuery UI from a CDN, which the site's CSP (rightly) refuses.
    form = ArticleAdminForm
    list_display = [
        "title",
        "status",
        "kind",
        "published_at",
        "last_reviewed_at",
        "translations",
        "review_state",
        "newsletter_state",
    ]
    list_filter = ["status", "kind", ReviewStateFilter, "newsletter", "is_sample"]
    list_select_related = ["newsletter_send"]
    actions = ["send_newsletter_now", "send_newsletter_including_interrupted"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    # Every language's words, whatever the staff member's own language.
    search_fields = _translated_columns("title", "summary", "body")
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "published_at"
    filter_horizontal = ["authors", "reviewers"]
    readonly_fields = ["created_at", "updated_at", "newsletter_report"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    *_beside_translations("title"),
                    "slug",
                    *_beside_translations("summary", "body"),
                    "kind",
                    "video_url",
                ],
                "description": _(
                    "A translation is shown to readers of its language once its title, summary "
                    "and text are all there and it has its own medical review date; until then "
                    "they read the English article."
                ),
            },
        ),
        (
            _("Picture"),
            {
                "fields": [
                    "hero_image",
                    *_beside_translations("hero_alt", "hero_caption"),
                    "hero_credit",
                ]
            },
        ),
        (
            _("Publishing"),
            {"fields": ["status", "published_at", "comments_open", "created_at", "updated_at"]},
        ),
        (_("Newsletter"), {"fields": ["newsletter", "newsletter_report"]}),
        (
            _("Medical review"),
            {"fields": ["reviewers", *_beside_translations("last_reviewed_at"), "authors"]},
        ),
        (_("Other"), {"fields": ["is_sample"]}),
    ]

    @admin.display(description=_("translations"))
    def translations(self, article):
        """The languages readers are shown a translation in (complete and reviewed)."""
        return ", ".join(article.translations_shown()) or "—"

    @admin.display(description=_("review"))
    def review_state(self, article):
        if getattr(article, f"last_reviewed_at_{DEFAULT_LANGUAGE}") is None:
            return gettext("never reviewed")
        due = article.languages_due_for_review()
        if not due:
            return gettext("up to date")
        if due == [DEFAULT_LANGUAGE]:
            return gettext("review due")
        # Translators: an article's medical review is due in these languages (codes: en, es).
        return gettext("review due (%(languages)s)") % {"languages": ", ".join(due)}

    @admin.display(description=_("newsletter"))
    def newsletter_state(self, article):
        send = getattr(article, "newsletter_send", None)
        if send is None:
            return "—" if not article.newsletter else pgettext("newsletter state", "when live")
        if send.finished_at:
            return pgettext("newsletter state", "sent")
        return pgettext("newsletter state", "sending")

    @admin.display(description=_("newsletter so far"))
    def newsletter_report(self, article):
        send = NewsletterSend.objects.filter(article=article).first() if article.pk else None
        if send is None:
            return gettext("Not sent yet.")
        return _report(send)

    def save_model(self, request, obj, form, change):
        # Its reviewers and authors are saved next (save_related), in the same transaction:
        # the pages are told again when it commits (kindred.freshness).
        publishing.save_article(obj)
        # Going live mails the subscribers: a direct call, not a signal (STYLE.md).
        send = newsletter.go_live(obj, f"published by {request.user}")
        if send is not None:
            self.message_user(request, _going_out(send.recipients.count()))
        elif (
            obj.is_published
            and obj.newsletter
            and not NewsletterSend.objects.filter(article=obj).exists()
        ):
            hours = settings.NEWSLETTER_MAX_AGE_HOURS
            self.message_user(
                request,
                ngettext(
                    "This article went live more than %(hours)s hour ago, so it was not mailed "
                    "automatically. To mail it now, use “Send the newsletter” in the article "
                    "list.",
                    "This article went live more than %(hours)s hours ago, so it was not mailed "
                    "automatically. To mail it now, use “Send the newsletter” in the article "
                    "list.",
                    hours,
                )
                % {"hours": hours},
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
        description=_("Send the newsletter (again: only to those who did not get it)"),
        permissions=["change"],
    )
    def send_newsletter_now(self, request, queryset):
        self._send(request, queryset, include_interrupted=False)

    @admin.action(
        description=_(
            "Send the newsletter again, interrupted addresses too (some may get it twice)"
        ),
        permissions=["change"],
    )
    def send_newsletter_including_interrupted(self, request, queryset):
        self._send(request, queryset, include_interrupted=True)

    def _send(self, request, queryset, include_interrupted):
        for article in queryset:
            if not article.is_published:
                self.message_user(
                    request,
                    gettext("%(article)s: not live yet, nothing sent.") % {"article": article},
                    messages.WARNING,
                )
                continue
            send, created = newsletter.start(article, f"sent by {request.user}")
            if created:
                count = send.recipients.count()
                self.message_user(
                    request,
                    ngettext(
                        "%(article)s: going out to %(count)s subscriber(s).",
                        "%(article)s: going out to %(count)s subscriber(s).",
                        count,
                    )
                    % {"article": article, "count": count},
                )
            else:
                count = newsletter.resend(send, str(request.user), include_interrupted)
                self.message_user(
                    request,
                    ngettext(
                        "%(article)s: sent again to %(count)s who had not received it.",
                        "%(article)s: sent again to %(count)s who had not received it.",
                        count,
                    )
                    % {"article": article, "count": count},
                )


def _going_out(count):
    # The English wording keeps "subscriber(s)" for either number; a translation has its forms.
    return ngettext(
        "The newsletter is going out to %(count)s subscriber(s).",
        "The newsletter is going out to %(count)s subscriber(s).",
        count,
    ) % {"count": count}


def _report(send):
    counts = newsletter.counts(send)
    took = send.took
    link = reverse("admin:articles_newsletterrecipient_changelist") + f"?send__id__exact={send.pk}"
    summary = gettext(
        "%(queued)s queued, %(sending)s sending, %(sent)s sent, %(retrying)s waiting to retry, "
        "%(failed)s failed, %(interrupted)s interrupted, %(skipped)s skipped."
    ) % {
        "queued": counts[Status.QUEUED],
        "sending": counts[Status.SENDING],
        "sent": counts[Status.SENT],
        "retrying": counts[Status.RETRYING],
        "failed": counts[Status.FAILED],
        "interrupted": counts[Status.INTERRUPTED],
        "skipped": counts[Status.SKIPPED],
    }
    if took:
        # Translators: how long a newsletter took to send, in seconds.
        timing = gettext("Took %(seconds)s s.") % {"seconds": f"{took.total_seconds():.1f}"}
    else:
        timing = gettext("Not finished.")
    return format_html(
        "{} {} <a href='{}'>{}</a>.", summary, timing, link, gettext("Every address")
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
        raise PermissionDenied(gettext("Newsletter records are kept: they say who was mailed."))


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

    @admin.display(description=_("queued"), ordering="n_queued")
    def queued(self, send):
        return send.n_queued

    @admin.display(description=_("sent"), ordering="n_sent")
    def sent(self, send):
        return send.n_sent

    @admin.display(description=_("waiting to retry"), ordering="n_retrying")
    def retrying(self, send):
        return send.n_retrying

    @admin.display(description=_("failed"), ordering="n_failed")
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

    @admin.display(description=_("took"))
    def took_seconds(self, send):
        if not send.took:
            return gettext("not finished")
        return gettext("%(seconds)s s") % {"seconds": f"{send.took.total_seconds():.1f}"}

    @admin.display(description=_("so far"))
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


class SitePageAdminForm(forms.ModelForm):
    """The English page under the fields' own names (title, body), its translations beside
    them (title_es, body_es). As for an article (ArticleAdminForm), the unsuffixed names read
    and write the shown language's columns, so the form fills and applies them in English."""

    def __init__(self, *args, **kwargs):
        with translation.override(DEFAULT_LANGUAGE):
            super().__init__(*args, **kwargs)

    def _post_clean(self):
        # SitePage.clean(): a translation has its title and its text, or neither.
        with translation.override(DEFAULT_LANGUAGE):
            super()._post_clean()


@admin.register(SitePage)
class SitePageAdmin(admin.ModelAdmin):
    """The contact, privacy, guidelines and terms pages: one row each (made by a migration),
    at fixed addresses that the footer, every mail and the sign-up form link to, so rows are
    edited, never added or deleted. Each language side by side (not modeltranslation's tabbed
    admin: ArticleAdmin says why); a page is shown in Spanish once it has a Spanish title and
    text."""

    form = SitePageAdminForm
    list_display = ["title_en", "kind", "translations", "updated_at", "is_sample", "address"]
    list_filter = ["is_sample"]
    fields = [
        "kind",
        *_beside_translations("title", "body"),
        "is_sample",
        "updated_at",
        "address",
    ]
    readonly_fields = ["kind", "updated_at", "address"]

    @admin.display(description=_("translations"))
    def translations(self, page):
        """The languages readers are shown a translation of the page in."""
        shown = [code for code in TRANSLATION_LANGUAGES if page.shown_language(code) == code]
        return ", ".join(shown) or "—"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("address"))
    def address(self, page):
        return format_html("<a href='{0}'>{0}</a>", page.get_absolute_url())

    def save_model(self, request, obj, form, change):
        publishing.save_site_page(obj)
