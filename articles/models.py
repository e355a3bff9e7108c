"""Publishing: articles and the medical reviewers (and authors) behind them.

An article may have a translation per language (articles/translation.py says how and why): the
English article is the one written first, and a translation is shown only once it is complete
and has its own medical review date; until then a reader of that language gets the English one.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from modeltranslation.utils import get_language as active_language

from articles.markdown import render_markdown

# The article's own language, and the languages it may be translated into.
DEFAULT_LANGUAGE = settings.MODELTRANSLATION_DEFAULT_LANGUAGE
TRANSLATION_LANGUAGES = tuple(
    code for code, _name in settings.LANGUAGES if code != DEFAULT_LANGUAGE
)
# What a translation must hold, all of it: these texts, the picture's texts when the article has a
# picture and the English article describes it, and a medical review date of its own.
TRANSLATED_TEXTS = ("title", "summary", "body")
TRANSLATED_PICTURE_TEXTS = ("hero_alt", "hero_caption")

# Defined here, not where they are raised: the admin's form validates the article with English
# active (articles/admin.py), and lazy messages are still shown in the staff member's language.
TRANSLATION_INCOMPLETE = _(
    "A translation needs its title, summary and text: fill this in too, or clear this "
    "language's other fields to leave the article untranslated."
)
TRANSLATION_PICTURE_TEXT_MISSING = _(
    "The English article describes its picture: a translation needs this text too."
)
TRANSLATION_NOT_REVIEWED = _("A translation is shown only once it has its own medical review date.")
# Above an article a reader's language has no reviewed translation of yet, in that language: on
# its page (articles/views.py) and in the new-article mail (articles/newsletter.py).
NOT_YET_TRANSLATED = {
    # Translators: above an article shown in English, as it has no reviewed Spanish translation.
    "es": _("This article is not yet available in Spanish."),
}


def _filled(value):
    return value is not None and (not isinstance(value, str) or value.strip() != "")


class Reviewer(models.Model):
    """A medical reviewer or author, with a public profile page."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=140, unique=True)
    credentials = models.CharField(
        _("credentials"), max_length=120, blank=True, help_text=_("e.g. M.D., Ph.D.")
    )
    headline = models.CharField(
        _("headline"),
        max_length=200,
        blank=True,
        help_text=_("One line under the name, e.g. 'a board-certified neurologist'."),
    )
    bio = models.TextField(
        _("bio"), blank=True, help_text=_("Markdown. Shown on the profile page.")
    )
    bio_html = models.TextField(blank=True, editable=False)
    photo = models.ImageField(_("photo"), upload_to="reviewers/", blank=True)
    is_sample = models.BooleanField(
        _("is sample"),
        default=False,
        help_text=_("Sample data for demonstrations, not a real person."),
    )
    # A reviewer who signs in (a staff account) may add a "Reviewer's note" to a post, signed
    # with this name (comments/public_notes.py).
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reviewer_profile",
        verbose_name=_("user"),
        help_text=_(
            "The staff account this reviewer signs in with: their notes on readers' posts "
            "are signed with this name."
        ),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("reviewer")
        verbose_name_plural = _("reviewers")

    def __str__(self):
        return self.full_name

    def get_absolute_url(self):
        return reverse("articles:reviewer", kwargs={"slug": self.slug})

    @property
    def full_name(self):
        return f"{self.name}, {self.credentials}" if self.credentials else self.name


class ArticleQuerySet(models.QuerySet):
    def published(self, now=None):
        """Articles a reader may see: published, and not scheduled for later."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=now or timezone.now())

    def scheduled(self, now=None):
        return self.filter(status=Article.Status.PUBLISHED, published_at__gt=now or timezone.now())

    # Which language an article is shown in is read from its reviewed_translations, so that
    # column comes with any choice of columns: reading a title never costs a query of its own.
    def only(self, *fields):
        if fields and fields != (None,):
            fields = (*fields, "reviewed_translations")
        return super().only(*fields)

    def defer(self, *fields):
        return super().defer(*(name for name in fields if name != "reviewed_translations"))


class Article(models.Model):
    class Kind(models.TextChoices):
        ARTICLE = "article", _("Article")
        VIDEO = "video", _("Video")

    class Status(models.TextChoices):
        # Translators: an article's state (Spanish: "Publicado", an article being masculine).
        DRAFT = "draft", pgettext_lazy("article status", "Draft")
        PUBLISHED = "published", pgettext_lazy("article status", "Published")

    # Translated (articles/translation.py): title, summary, body, body_html, hero_alt,
    # hero_caption and last_reviewed_at have a column per language, e.g. title_en, title_es.
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    summary = models.CharField(
        _("summary"),
        max_length=300,
        help_text=_("One or two sentences for lists, feeds and search results."),
    )
    body = models.TextField(_("body"), help_text=_("Markdown. Use ## for section headings."))
    body_html = models.TextField(editable=False, blank=True)
    hero_image = models.ImageField(_("hero image"), upload_to="articles/", blank=True)
    # Kept with the row so rendering the page never has to open the picture file.
    hero_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    hero_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    hero_alt = models.CharField(
        _("image alt text"), max_length=250, blank=True, help_text=_("What the picture shows.")
    )
    hero_caption = models.CharField(_("image caption"), max_length=300, blank=True)
    hero_credit = models.CharField(_("image credit"), max_length=120, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.ARTICLE)
    video_url = models.URLField(_("video source"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(
        _("published at"),
        null=True,
        blank=True,
        help_text=_("A date in the future schedules the article."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    last_reviewed_at = models.DateField(_("last medically reviewed"), null=True, blank=True)
    # The translations shown to readers (language codes, space-separated): those complete and
    # medically reviewed, worked out on every save. See shown_language().
    reviewed_translations = models.CharField(
        _("reviewed translations"), max_length=60, blank=True, default="", editable=False
    )
    authors = models.ManyToManyField(
        Reviewer, related_name="authored_articles", blank=True, verbose_name=_("authors")
    )
    reviewers = models.ManyToManyField(
        Reviewer,
        related_name="reviewed_articles",
        blank=True,
        verbose_name=_("medical reviewers"),
    )
    comments_open = models.BooleanField(
        _("comments open"),
        default=True,
        help_text=_("Untick to close the conversation under this article."),
    )
    newsletter = models.BooleanField(
        _("send to subscribers"),
        default=True,
        help_text=_(
            "Mail this article to every confirmed subscriber when it goes live. "
            "Untick for no newsletter."
        ),
    )
    is_sample = models.BooleanField(_("is sample"), default=False, help_text=_("Demo content."))

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        # On PostgreSQL there are also the full-text GIN indexes, one per language
        # (article_search_idx for English, article_search_es_idx), made by migrations 0008 and
        # 0009 outside the models' state (0008 says why) and read by articles/search.py.
        # The lists in their order (-published_at, -pk): the published articles (the home
        # page, feeds, sitemap) and the admin's list of every article (and its date hierarchy).
        indexes = [
            models.Index(fields=["status", "-published_at", "-id"], name="article_listing_idx"),
            models.Index(fields=["-published_at", "-id"], name="article_admin_order_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="article_published_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(kind="video") | ~Q(video_url=""),
                name="article_video_has_source",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # Each language's HTML from its own Markdown, and which translations readers are shown.
        for language in (DEFAULT_LANGUAGE, *TRANSLATION_LANGUAGES):
            body = getattr(self, f"body_{language}")
            setattr(self, f"body_html_{language}", render_markdown(body) if _filled(body) else "")
        self.reviewed_translations = " ".join(
            code for code in TRANSLATION_LANGUAGES if self.has_reviewed_translation(code)
        )
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {
                *kwargs["update_fields"],
                "reviewed_translations",
                *(f"body_html_{code}" for code in (DEFAULT_LANGUAGE, *TRANSLATION_LANGUAGES)),
            }
        # With English active, the unsuffixed columns (title, body, ...) are written with the
        # English article's words, whoever saves: they are what a query that named only them
        # (from another model, e.g. "article__title") reads (articles/translation.py).
        with translation.override(DEFAULT_LANGUAGE):
            super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"slug": self.slug})

    @property
    def is_video(self):
        return self.kind == self.Kind.VIDEO

    @property
    def is_published(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def is_scheduled(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at > timezone.now()
        )

    @property
    def is_reviewed(self):
        return self.last_reviewed_at is not None

    def is_review_due(self, today=None):
        """True when the last medical review (of the language shown) is older than
        REVIEW_INTERVAL_DAYS."""
        return _is_due(self.last_reviewed_at, today)

    def languages_due_for_review(self, today=None):
        """The languages whose last medical review is older than REVIEW_INTERVAL_DAYS: the
        English article's, and each shown translation's (its own date)."""
        shown = (DEFAULT_LANGUAGE, *self.translations_shown())
        return [code for code in shown if _is_due(getattr(self, f"last_reviewed_at_{code}"), today)]

    # --- Languages ------------------------------------------------------------------------

    def shown_language(self, language=None):
        """The language this article is shown in to a reader of `language` (the active one):
        theirs when its translation is complete and medically reviewed, else English. The whole
        article, never a mix: its title, text, picture's texts and review date all come from
        the one language. Never a query (a row read without reviewed_translations is English)."""
        return shown_language(self, language)

    def translations_shown(self):
        return _translations_shown(self)

    def translation_problems(self, language):
        """What keeps the translation into `language` from being shown, {field: message}: empty
        when it is complete and medically reviewed, or not begun at all."""
        own = [f"{name}_{language}" for name in (*TRANSLATED_TEXTS, *TRANSLATED_PICTURE_TEXTS)]
        if not any(_filled(getattr(self, name)) for name in own) and not _filled(
            getattr(self, f"last_reviewed_at_{language}")
        ):
            return {}
        problems = {
            f"{name}_{language}": TRANSLATION_INCOMPLETE
            for name in TRANSLATED_TEXTS
            if not _filled(getattr(self, f"{name}_{language}"))
        }
        if self.hero_image:
            for name in TRANSLATED_PICTURE_TEXTS:
                english = getattr(self, f"{name}_{DEFAULT_LANGUAGE}")
                if _filled(english) and not _filled(getattr(self, f"{name}_{language}")):
                    problems[f"{name}_{language}"] = TRANSLATION_PICTURE_TEXT_MISSING
        if getattr(self, f"last_reviewed_at_{language}") is None:
            problems[f"last_reviewed_at_{language}"] = TRANSLATION_NOT_REVIEWED
        return problems

    def has_reviewed_translation(self, language):
        """True when the translation into `language` is complete and medically reviewed."""
        return _filled(getattr(self, f"title_{language}")) and not self.translation_problems(
            language
        )

    def clean(self):
        """A translation is all or nothing, and reviewed: a title, summary and text (and the
        picture's texts) in the language, and its own medical review date."""
        super().clean()
        problems = {}
        for language in TRANSLATION_LANGUAGES:
            problems.update(self.translation_problems(language))
        if problems:
            raise ValidationError(problems)


def shown_language(row, language=None):
    """Article.shown_language() for an article's row, or for what modeltranslation's values()
    makes of one (articles/translation.py)."""
    language = language or active_language()
    if language != DEFAULT_LANGUAGE and language in _translations_shown(row):
        return language
    return DEFAULT_LANGUAGE


def _translations_shown(row):
    return row.__dict__.get("reviewed_translations", "").split()


def _is_due(reviewed_on, today=None):
    if reviewed_on is None:
        return False
    today = today or timezone.localdate()
    return reviewed_on < today - datetime.timedelta(days=settings.REVIEW_INTERVAL_DAYS)


class NewsletterSend(models.Model):
    """One article mailed to the subscribers: made once, when the article goes live.

    The message is rendered once into the row, with markers where each reader's name and
    unsubscribe link go, so every batch sends the same words however the article changes later:
    in English (subject, text_body, html_body) and in each other language of the site
    (translations), each subscriber getting the one of their language.
    """

    article = models.OneToOneField(
        Article,
        on_delete=models.CASCADE,
        related_name="newsletter_send",
        verbose_name=_("article"),
    )
    requested_by = models.CharField(
        _("requested by"), max_length=200, help_text=_("What started the send.")
    )
    subject = models.CharField(_("subject"), max_length=250)
    text_body = models.TextField(_("text body"))
    html_body = models.TextField(_("HTML body"))
    # {code: {"subject", "text_body", "html_body"}} for each language but English.
    translations = models.JSONField(_("translations"), default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Set once every subscribed address has its row: until then the send cannot finish, and
    # `publish_due` completes the list if whoever began it was stopped half-way.
    recipients_ready = models.BooleanField(_("recipients ready"), default=False)
    # When batches were last queued or taken: `publish_due` re-queues only a stalled send.
    last_activity_at = models.DateTimeField(_("last activity at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("newsletter send")
        verbose_name_plural = _("newsletter sends")

    def __str__(self):
        return gettext("Newsletter: %(article)s") % {"article": self.article}

    @property
    def took(self):
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None


class NewsletterRecipient(models.Model):
    """One subscriber's copy of one send: its unique pair is why nobody is mailed twice."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        RETRYING = "retrying", _("Failed, will retry")
        FAILED = "failed", _("Failed")
        INTERRUPTED = "interrupted", _("Interrupted (may have been sent)")
        SKIPPED = "skipped", _("Skipped (unsubscribed)")

    send = models.ForeignKey(
        NewsletterSend,
        on_delete=models.CASCADE,
        related_name="recipients",
        verbose_name=_("send"),
    )
    subscriber = models.ForeignKey(
        "accounts.Subscriber",
        on_delete=models.CASCADE,
        related_name="newsletter_copies",
        verbose_name=_("subscriber"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    claim = models.CharField(_("claim"), max_length=32, blank=True, db_index=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("newsletter recipient")
        verbose_name_plural = _("newsletter recipients")
        constraints = [
            models.UniqueConstraint(
                fields=["send", "subscriber"], name="articles_newsletter_once_per_subscriber"
            )
        ]
        indexes = [models.Index(fields=["send", "status"], name="newsletter_recipient_state")]

    def __str__(self):
        # Translators: one subscriber's copy of an article's newsletter, in the admin.
        return gettext("%(article)s → subscriber %(subscriber)s") % {
            "article": self.send.article,
            "subscriber": self.subscriber_id,
        }


# Above a site page a reader's language has no translation of yet, in that language
# (articles/views.py site_page).
PAGE_NOT_YET_TRANSLATED = {
    # Translators: above a site page (contact, privacy notice...) shown in English.
    "es": _("This page is not yet available in Spanish."),
}
# What a site page's translation must hold to be shown.
PAGE_TRANSLATED_TEXTS = ("title", "body")
PAGE_TRANSLATION_INCOMPLETE = _(
    "A translation needs its title and text: fill this in too, or clear this language's "
    "other field to leave the page in English."
)


class SitePage(models.Model):
    """One of the pages a health site must have, one row per kind, its text written by staff
    in the admin. Each kind has a fixed address (config/urls.py): the URL name is the kind.

    Its title and text have a column per language (articles/translation.py), as an article's
    do: a page is shown whole in one language, its translation when it has both a title and a
    text in the reader's language (shown_language()), else the English page; `page.title`,
    `page.body_html` read that language's columns."""

    class Kind(models.TextChoices):
        CONTACT = "contact", _("Contact")
        PRIVACY = "privacy", _("Privacy notice")
        GUIDELINES = "guidelines", _("Community guidelines")
        TERMS = "terms", _("Terms of use")

    kind = models.CharField(_("page"), max_length=20, choices=Kind.choices, unique=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(
        _("text"), help_text=_("Markdown. Use ## for section headings. Shown on the page as it is.")
    )
    body_html = models.TextField(editable=False, blank=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)
    is_sample = models.BooleanField(
        _("sample text"),
        default=False,
        help_text=_(
            "The text that came with the site, not yet the operator's own. Untick once you "
            "have written yours: sample pages ask search engines not to list them."
        ),
    )

    class Meta:
        ordering = ["kind"]
        verbose_name = _("site page")
        verbose_name_plural = _("site pages")

    def __str__(self):
        return self.title or self.get_kind_display()

    def save(self, *args, **kwargs):
        # Each language's HTML from its own Markdown.
        for language in (DEFAULT_LANGUAGE, *TRANSLATION_LANGUAGES):
            body = getattr(self, f"body_{language}")
            setattr(self, f"body_html_{language}", render_markdown(body) if _filled(body) else "")
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {
                *kwargs["update_fields"],
                *(f"body_html_{code}" for code in (DEFAULT_LANGUAGE, *TRANSLATION_LANGUAGES)),
            }
        # With English active, the unsuffixed columns (title, body, body_html) are written with
        # the English page's words, whoever saves (as Article.save() does).
        with translation.override(DEFAULT_LANGUAGE):
            super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse(self.kind)

    def shown_language(self, language=None):
        """The language this page is shown in to a reader of `language` (the active one):
        theirs when the page has a title and a text in it, else English. Never a query."""
        return site_page_language(self, language)

    def clean(self):
        """A translation has both its title and its text, or neither."""
        super().clean()
        problems = {}
        for language in TRANSLATION_LANGUAGES:
            own = [f"{name}_{language}" for name in PAGE_TRANSLATED_TEXTS]
            if any(_filled(getattr(self, name)) for name in own):
                problems.update(
                    {
                        name: PAGE_TRANSLATION_INCOMPLETE
                        for name in own
                        if not _filled(getattr(self, name))
                    }
                )
        if problems:
            raise ValidationError(problems)


def site_page_language(row, language=None):
    """SitePage.shown_language() for a page's row (articles/translation.py reads it for every
    unsuffixed field): from the columns the row holds, so a column not loaded counts as empty."""
    language = language or active_language()
    if language != DEFAULT_LANGUAGE and all(
        _filled(row.__dict__.get(f"{name}_{language}")) for name in PAGE_TRANSLATED_TEXTS
    ):
        return language
    return DEFAULT_LANGUAGE
