"""Publishing: articles and the medical reviewers (and authors) behind them."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Reviewer(models.Model):
    """A medical reviewer or author, with a public profile page."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    credentials = models.CharField(max_length=120, blank=True, help_text="e.g. M.D., Ph.D.")
    headline = models.CharField(
        max_length=200,
        blank=True,
        help_text="One line under the name, e.g. 'a board-certified neurologist'.",
    )
    bio = models.TextField(blank=True, help_text="Markdown. Shown on the profile page.")
    bio_html = models.TextField(blank=True, editable=False)
    photo = models.ImageField(upload_to="reviewers/", blank=True)
    is_sample = models.BooleanField(
        default=False, help_text="Sample data for demonstrations, not a real person."
    )
    # A reviewer who signs in (a staff account) may add a "Reviewer's note" to a post, signed
    # with this name (comments/public_notes.py).
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reviewer_profile",
        help_text=_(
            "The staff account this reviewer signs in with: their notes on readers' posts "
            "are signed with this name."
        ),
    )

    class Meta:
        ordering = ["name"]

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


class Article(models.Model):
    class Kind(models.TextChoices):
        ARTICLE = "article", "Article"
        VIDEO = "video", "Video"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    summary = models.CharField(
        max_length=300, help_text="One or two sentences for lists, feeds and search results."
    )
    body = models.TextField(help_text="Markdown. Use ## for section headings.")
    body_html = models.TextField(editable=False, blank=True)
    hero_image = models.ImageField(upload_to="articles/", blank=True)
    # Kept with the row so rendering the page never has to open the picture file.
    hero_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    hero_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    hero_alt = models.CharField(
        "image alt text", max_length=250, blank=True, help_text="What the picture shows."
    )
    hero_caption = models.CharField("image caption", max_length=300, blank=True)
    hero_credit = models.CharField("image credit", max_length=120, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.ARTICLE)
    video_url = models.URLField("video source", blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(
        null=True, blank=True, help_text="A date in the future schedules the article."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_reviewed_at = models.DateField("last medically reviewed", null=True, blank=True)
    authors = models.ManyToManyField(Reviewer, related_name="authored_articles", blank=True)
    reviewers = models.ManyToManyField(
        Reviewer, related_name="reviewed_articles", blank=True, verbose_name="medical reviewers"
    )
    comments_open = models.BooleanField(
        default=True, help_text="Untick to close the conversation under this article."
    )
    newsletter = models.BooleanField(
        "send to subscribers",
        default=True,
        help_text="Mail this article to every confirmed subscriber when it goes live. "
        "Untick for no newsletter.",
    )
    is_sample = models.BooleanField(default=False, help_text="Demo content.")

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        # On PostgreSQL there is also article_search_idx, the full-text GIN index, made by
        # migration 0008 outside the models' state (it says why) and read by articles/search.py.
        indexes = [models.Index(fields=["status", "-published_at"], name="article_listing_idx")]
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
        """True when the last medical review is older than REVIEW_INTERVAL_DAYS."""
        if self.last_reviewed_at is None:
            return False
        today = today or timezone.localdate()
        interval = datetime.timedelta(days=settings.REVIEW_INTERVAL_DAYS)
        return self.last_reviewed_at < today - interval


class NewsletterSend(models.Model):
    """One article mailed to the subscribers: made once, when the article goes live.

    The message is rendered once into the row, with markers where each reader's name and
    unsubscribe link go, so every batch sends the same words however the article changes later.
    """

    article = models.OneToOneField(
        Article, on_delete=models.CASCADE, related_name="newsletter_send"
    )
    requested_by = models.CharField(max_length=200, help_text="What started the send.")
    subject = models.CharField(max_length=250)
    text_body = models.TextField()
    html_body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    # Set once every subscribed address has its row: until then the send cannot finish, and
    # `publish_due` completes the list if whoever began it was stopped half-way.
    recipients_ready = models.BooleanField(default=False)
    # When batches were last queued or taken: `publish_due` re-queues only a stalled send.
    last_activity_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "newsletter send"

    def __str__(self):
        return f"Newsletter: {self.article}"

    @property
    def took(self):
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None


class NewsletterRecipient(models.Model):
    """One subscriber's copy of one send: its unique pair is why nobody is mailed twice."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        RETRYING = "retrying", "Failed, will retry"
        FAILED = "failed", "Failed"
        INTERRUPTED = "interrupted", "Interrupted (may have been sent)"
        SKIPPED = "skipped", "Skipped (unsubscribed)"

    send = models.ForeignKey(NewsletterSend, on_delete=models.CASCADE, related_name="recipients")
    subscriber = models.ForeignKey(
        "accounts.Subscriber", on_delete=models.CASCADE, related_name="newsletter_copies"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claim = models.CharField(max_length=32, blank=True, db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["send", "subscriber"], name="articles_newsletter_once_per_subscriber"
            )
        ]
        indexes = [models.Index(fields=["send", "status"], name="newsletter_recipient_state")]

    def __str__(self):
        return f"{self.send.article} → subscriber {self.subscriber_id}"


class SitePage(models.Model):
    """One of the pages a health site must have, one row per kind, its text written by staff
    in the admin. Each kind has a fixed address (config/urls.py): the URL name is the kind."""

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

    def get_absolute_url(self):
        return reverse(self.kind)
