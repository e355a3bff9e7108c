"""Conversation under each article: comments (text and/or one picture), reports, hugs."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.models import Subscriber
from articles.models import Article


class CommentQuerySet(models.QuerySet):
    def visible_to(self, user=None, guest_key=""):
        """Published comments, removed placeholders, and the viewer's own waiting posts."""
        shown = Q(status__in=[Comment.Status.PUBLISHED, Comment.Status.REMOVED])
        own_waiting = Q(status__in=[Comment.Status.PENDING, Comment.Status.AWAITING_EMAIL])
        if user is not None and user.is_authenticated:
            shown |= own_waiting & Q(author_user=user)
        if guest_key:
            shown |= own_waiting & Q(guest_key=guest_key, author_user=None)
        return self.filter(shown)


class Comment(models.Model):
    class Status(models.TextChoices):
        AWAITING_EMAIL = "awaiting", "Awaiting email confirmation"
        PENDING = "pending", "Waiting for review"
        PUBLISHED = "published", "Published"
        REJECTED = "rejected", "Rejected"
        SPAM = "spam", "Spam"
        REMOVED = "removed", "Removed by its author"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    # The top-level comment of the thread: one query fetches every reply of a page of threads.
    root = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    depth = models.PositiveSmallIntegerField(default=0)
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comments",
    )
    author_subscriber = models.ForeignKey(
        Subscriber, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments"
    )
    # A guest's browser key: only that browser may see the post while it waits, edit or delete
    # it. Knowing somebody's email address is not enough to act as them.
    guest_key = models.CharField(max_length=40, blank=True, db_index=True, editable=False)
    body = models.TextField(blank=True, max_length=5000)
    body_html = models.TextField(blank=True, editable=False)
    image = models.ImageField(upload_to="comments/%Y/%m/", blank=True)
    image_thumb = models.ImageField(upload_to="comments/%Y/%m/", blank=True)
    image_width = models.PositiveIntegerField(null=True, blank=True)
    image_height = models.PositiveIntegerField(null=True, blank=True)
    image_alt = models.CharField("picture description", max_length=250, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    is_urgent = models.BooleanField(
        default=False, help_text="Reported as self-harm or crisis: top of the moderators' queue."
    )
    hug_count = models.PositiveIntegerField(default=0)
    report_count = models.PositiveIntegerField(default=0)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    edited_at = models.DateTimeField(null=True, blank=True)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(
                fields=["article", "parent", "status", "created_at"], name="comment_thread_idx"
            ),
            models.Index(fields=["root", "created_at"], name="comment_root_idx"),
            models.Index(fields=["status", "-is_urgent", "created_at"], name="comment_queue_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="removed") | ~Q(body="") | ~Q(image=""),
                name="comment_has_text_or_picture",
            ),
        ]

    def __str__(self):
        return f"Comment {self.pk} on {self.article_id}"

    def get_absolute_url(self):
        return f"{self.article.get_absolute_url()}#comment-{self.pk}"

    @property
    def author_name(self):
        if self.author_user_id:
            return self.author_user.display_name
        if self.author_subscriber_id:
            return self.author_subscriber.name
        return "a former member"

    @property
    def is_published(self):
        return self.status == self.Status.PUBLISHED

    @property
    def is_removed(self):
        return self.status == self.Status.REMOVED

    @property
    def is_waiting(self):
        return self.status in (self.Status.PENDING, self.Status.AWAITING_EMAIL)

    def is_by(self, user=None, guest_key=""):
        if user is not None and user.is_authenticated:
            return self.author_user_id == user.pk
        return bool(guest_key) and self.author_user_id is None and self.guest_key == guest_key


class Report(models.Model):
    class Reason(models.TextChoices):
        SPAM = "spam", "Spam or advertising"
        ABUSE = "abuse", "Abuse or harassment"
        MISINFORMATION = "misinformation", "Medical misinformation"
        SELF_HARM = "self_harm", "Self-harm or crisis"
        OTHER = "other", "Something else"

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    reporter_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    reporter_subscriber = models.ForeignKey(
        Subscriber, null=True, blank=True, on_delete=models.SET_NULL
    )
    reason = models.CharField(max_length=20, choices=Reason.choices)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "reporter_user"],
                condition=Q(reporter_user__isnull=False),
                name="one_report_per_member",
            ),
            models.UniqueConstraint(
                fields=["comment", "reporter_subscriber"],
                condition=Q(reporter_subscriber__isnull=False),
                name="one_report_per_subscriber",
            ),
        ]

    def __str__(self):
        return f"{self.get_reason_display()} on comment {self.comment_id}"


class Hug(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="hugs")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "user"], name="one_hug_per_member"),
        ]

    def __str__(self):
        return f"Hug on comment {self.comment_id}"


class ReplyNotice(models.Model):
    """A reply someone should hear about; batched into at most one mail per thread an hour."""

    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE
    )
    recipient_subscriber = models.ForeignKey(
        Subscriber, null=True, blank=True, on_delete=models.CASCADE
    )
    thread = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="+")
    reply = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["sent_at", "thread"], name="replynotice_pending_idx")]

    def __str__(self):
        return f"Reply {self.reply_id} in thread {self.thread_id}"
