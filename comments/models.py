"""Conversation under each article: comments (text and/or one picture), reports, hugs."""

from django.conf import settings
from django.db import models
from django.db.models import ExpressionWrapper, F, Q
from django.utils import formats, timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Subscriber
from articles.models import Article
from comments import pictures, reasons

# The post the moderators pinned is shown first while everyone may read it (comments/thread.py).
PINNED_FIRST = Q(is_pinned=True, status="published", members_only=False)
# The order of the moderators' lists (comments/admin.py CommentAdmin.ordering, with the -id that
# Django's change list adds to make it total), which the indexes below follow.
ADMIN_ORDER = ("-is_urgent", "-created_at", "-id")


class CommentQuerySet(models.QuerySet):
    def visible_to(self, user=None, guest_key=""):
        """Published comments, removed placeholders, and the viewer's own waiting posts. A
        members-only post (`members_only`) is left out for everyone but members (and its
        author)."""
        return self.filter(visibility(user, guest_key))


def visibility(user=None, guest_key=""):
    """The condition of CommentQuerySet.visible_to, for counts that need it beside others."""
    shown = Q(status__in=[Comment.Status.PUBLISHED, Comment.Status.REMOVED])
    own = Q(status__in=[Comment.Status.PENDING, Comment.Status.AWAITING_EMAIL])
    if user is not None and user.is_authenticated:
        shown |= own & Q(author_user=user)
    else:
        shown &= Q(members_only=False)
        own |= Q(status=Comment.Status.PUBLISHED)  # their own members-only posts too
    if guest_key:
        shown |= own & Q(guest_key=guest_key, author_user=None)
    return shown


class Comment(models.Model):
    class Status(models.TextChoices):
        AWAITING_EMAIL = "awaiting", _("Awaiting email confirmation")
        PENDING = "pending", _("Waiting for review")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Rejected")
        SPAM = "spam", _("Spam")
        REMOVED = "removed", _("Removed by its author")

    # PROTECT: a cascade would leave the comments' picture files behind, still reachable; the
    # admin's comment delete removes them, so the comments go first.
    article = models.ForeignKey(
        Article, on_delete=models.PROTECT, related_name="comments", verbose_name=_("article")
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="replies",
        verbose_name=_("parent"),
    )
    # The top-level comment of the thread: one query fetches every reply of a page of threads.
    root = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("top-level post"),
    )
    depth = models.PositiveSmallIntegerField(_("depth"), default=0)
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comments",
        verbose_name=_("author (member)"),
    )
    author_subscriber = models.ForeignKey(
        Subscriber,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comments",
        verbose_name=_("author (guest)"),
    )
    # A guest's browser key: only that browser may see the post while it waits, edit or delete
    # it. Knowing somebody's email address is not enough to act as them.
    guest_key = models.CharField(
        _("guest key"), max_length=40, blank=True, db_index=True, editable=False
    )
    body = models.TextField(_("text"), blank=True, max_length=5000)
    body_html = models.TextField(_("text as shown"), blank=True, editable=False)
    image = models.ImageField(_("picture"), upload_to="comments/%Y/%m/", blank=True)
    image_thumb = models.ImageField(
        _("small copy of the picture"), upload_to="comments/%Y/%m/", blank=True
    )
    image_width = models.PositiveIntegerField(_("picture width"), null=True, blank=True)
    image_height = models.PositiveIntegerField(_("picture height"), null=True, blank=True)
    image_alt = models.CharField(_("picture description"), max_length=250, blank=True)
    # Surgery, a wound: readers see it blurred until they choose to open it, and no mail shows
    # it. Set by its author (posting, editing) or a moderator (moderator_actions).
    is_picture_sensitive = models.BooleanField(
        _("sensitive picture"), default=False, editable=False
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    # Stored in English, as the policy wrote them; shown translated (comments/reasons.py).
    moderation_reasons = models.JSONField(
        _("why it waits"), default=list, blank=True, editable=False
    )
    held_at = models.DateTimeField(_("held at"), null=True, blank=True, editable=False)
    # A moderator approved a guest's post before the guest confirmed their address: it goes
    # live the moment they do, never before.
    is_approved = models.BooleanField(_("approved in advance"), default=False, editable=False)
    # The reason quoted to the author (a statement of reasons); the site's list is edited by
    # staff (RejectionReason), and a reason in use is retired, not deleted.
    rejection_reason = models.ForeignKey(
        "RejectionReason",
        to_field="code",
        db_column="rejection_reason",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("rejection reason"),
    )
    # A note from a moderator or a medical reviewer, shown to readers under the post: a
    # correction in public instead of a silent deletion (comments/public_notes.py).
    public_note = models.TextField(_("public note"), blank=True, max_length=1000, editable=False)
    # Set: a "Reviewer's note" signed with this reviewer's name; empty: a "Moderator's note".
    public_note_reviewer = models.ForeignKey(
        "articles.Reviewer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        verbose_name=_("public note's reviewer"),
    )
    # Shown at the top of its article's thread (one post per article).
    is_pinned = models.BooleanField(_("pinned"), default=False, editable=False)
    is_urgent = models.BooleanField(
        _("urgent"),
        default=False,
        help_text=_("Reported as self-harm or crisis: top of the moderators' queue."),
    )
    # When it became urgent (the on-call moderators were mailed then), and when the staff were
    # alerted because nobody had acted in time (comments/crisis.py).
    urgent_at = models.DateTimeField(_("urgent since"), null=True, blank=True, editable=False)
    escalated_at = models.DateTimeField(
        _("staff alerted at"), null=True, blank=True, editable=False
    )
    # A moderator's answer to a possible crisis: still shown to members, not to anonymous
    # readers, guests or search engines (comments/crisis.py).
    members_only = models.BooleanField(
        _("members only"),
        default=False,
        help_text=_("Shown to signed-in members only (not to search engines)."),
    )
    hug_count = models.PositiveIntegerField(_("hugs"), default=0)
    report_count = models.PositiveIntegerField(_("reports"), default=0)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("posted at"), auto_now_add=True, db_index=True)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)
    # Where an imported post came from ("disqus:<id>", "wordpress:<site>:<id>", a Kindred
    # export's id): a second run of import_comments finds it and stores nothing twice.
    import_key = models.CharField(_("import key"), max_length=200, blank=True, editable=False)

    objects = CommentQuerySet.as_manager()

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]
        indexes = [
            # The thread's counts (comments/thread.py): read off the index alone, whatever the
            # thread's size, as it holds every column they ask of a post.
            models.Index(
                fields=["article", "parent", "status", "created_at"],
                include=["members_only", "author_user", "id"],
                name="comment_thread_idx",
            ),
            # A page of the thread's top-level posts in the reader's (default) order, the pinned
            # one first: read off the index in that order, to the page, at any page.
            models.Index(
                "article",
                ExpressionWrapper(PINNED_FIRST, output_field=models.BooleanField()).desc(),
                F("created_at").desc(),
                F("id").desc(),
                include=["status", "members_only", "author_user", "is_pinned"],
                condition=Q(parent=None),
                name="comment_page_idx",
            ),
            models.Index(fields=["root", "created_at"], name="comment_root_idx"),
            # An article's comment feed: its public posts, newest first (comments/feeds.py).
            models.Index(
                fields=["article", "-created_at", "-id"],
                condition=Q(status="published", members_only=False),
                name="comment_feed_idx",
            ),
            # The moderators' lists, in the admin's order (-is_urgent, -created_at, then Django's
            # -pk): the whole list, each status, the waiting queue (urgent posts in it whatever
            # their status) and the admin index's count of it, one article's posts, sensitive
            # pictures. Each page reads its hundred rows off the index instead of sorting a
            # million (comments/admin.py).
            models.Index(fields=[*ADMIN_ORDER], name="comment_admin_order_idx"),
            models.Index(fields=["status", *ADMIN_ORDER], name="comment_queue_idx"),
            models.Index(
                fields=[*ADMIN_ORDER],
                condition=Q(status="pending") | Q(is_urgent=True),
                name="comment_waiting_idx",
            ),
            # The "Reported by readers" queue: posts with an open report have a report_count
            # (it only grows), so the queue asks for one too and reads this index's few rows.
            models.Index(
                fields=[*ADMIN_ORDER],
                condition=Q(report_count__gt=0, status__in=["published", "pending"]),
                name="comment_reported_idx",
            ),
            models.Index(fields=["article", *ADMIN_ORDER], name="comment_article_admin_idx"),
            models.Index(
                fields=[*ADMIN_ORDER],
                condition=Q(is_picture_sensitive=True),
                name="comment_sensitive_idx",
            ),
            # A member's own posts and their public profile, newest first.
            models.Index(fields=["author_user", "-created_at", "-id"], name="comment_author_idx"),
        ]
        permissions = [
            ("write_public_note", _("Can write a public note on a post (medical reviewers)")),
        ]
        constraints = [
            # A rejected or spam post's picture is deleted (comments/pictures.py), so such a
            # post may be left with neither.
            models.UniqueConstraint(
                fields=["article"], condition=Q(is_pinned=True), name="one_pinned_post_per_article"
            ),
            models.UniqueConstraint(
                fields=["import_key"], condition=~Q(import_key=""), name="one_post_per_import_key"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["removed", "rejected", "spam"])
                | ~Q(body="")
                | ~Q(image=""),
                name="comment_has_text_or_picture",
            ),
        ]

    def __str__(self):
        return gettext("Comment %(pk)s on %(article)s") % {
            "pk": self.pk,
            "article": self.article_id,
        }

    def get_absolute_url(self):
        """The post's own address: it opens the page of the thread that holds it, at the post
        (comments/views.py comment_link), wherever the thread has moved it since."""
        return f"/c/{self.pk}/"

    @property
    def author_name(self):
        if self.author_user_id:
            return self.author_user.display_name
        if self.author_subscriber_id:
            return self.author_subscriber.name
        return gettext("a former member")

    @property
    def shown_reasons(self):
        """Why it waits, in the reader's language (stored in English: comments/reasons.py)."""
        return [reasons.shown(reason) for reason in self.moderation_reasons]

    @property
    def is_published(self):
        return self.status == self.Status.PUBLISHED

    @property
    def picture_url(self):
        return pictures.url(self, "full")

    @property
    def thumb_url(self):
        return pictures.url(self, "thumb")

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
        SPAM = "spam", _("Spam or advertising")
        ABUSE = "abuse", _("Abuse or harassment")
        MISINFORMATION = "misinformation", _("Medical misinformation")
        SELF_HARM = "self_harm", _("Self-harm or crisis")
        OTHER = "other", _("Something else")

    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="reports", verbose_name=_("comment")
    )
    reporter_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("reporter (member)"),
    )
    reporter_subscriber = models.ForeignKey(
        Subscriber,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("reporter (guest)"),
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    # Whether it counts toward hiding the post: a member's, or a confirmed guest's proven in
    # the browser that sent it. Any other report is kept for the moderators only.
    counts = models.BooleanField(_("counts toward hiding"), default=False)
    # Automatic hiding needs reporters on distinct addresses; purged with comments' addresses.
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("reported at"), auto_now_add=True)

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        DISMISSED = "dismissed", _("Dismissed: the post stays")
        RESOLVED = "resolved", _("Resolved: the post was taken down")
        ACTED = "acted", _("Acted on: the post was shown to members only")
        WITHDRAWN = "withdrawn", _("Closed: its author removed the post")

    # Open until a moderator acts on the post (comments/reports.py close_reports); kept after.
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("handled by"),
    )

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        # The "Reported by readers" queue and its count: the few reports still open.
        indexes = [
            models.Index(fields=["comment"], condition=Q(state="open"), name="report_open_idx")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "reporter_user"],
                condition=Q(reporter_user__isnull=False, state="open"),
                name="one_open_report_per_member",
            ),
            models.UniqueConstraint(
                fields=["comment", "reporter_subscriber"],
                condition=Q(reporter_subscriber__isnull=False, state="open"),
                name="one_open_report_per_subscriber",
            ),
        ]

    def __str__(self):
        return gettext("%(reason)s on comment %(pk)s") % {
            "reason": self.get_reason_display(),
            "pk": self.comment_id,
        }


class Hug(models.Model):
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="hugs", verbose_name=_("comment")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, verbose_name=_("member")
    )
    created_at = models.DateTimeField(_("hugged at"), auto_now_add=True)

    class Meta:
        verbose_name = _("hug")
        verbose_name_plural = _("hugs")
        constraints = [
            models.UniqueConstraint(fields=["comment", "user"], name="one_hug_per_member"),
        ]

    def __str__(self):
        return gettext("Hug on comment %(pk)s") % {"pk": self.comment_id}


class CrisisResource(models.Model):
    """Somebody a person in crisis can reach now, sent in the moderators' support message
    (comments/crisis.py). Staff keep the list in the admin, per language and country."""

    name = models.CharField(_("name"), max_length=120)
    how_to_reach = models.CharField(
        _("how to reach"),
        max_length=200,
        help_text=_("What to do, in the language below: “Call or text 988”."),
    )
    url = models.URLField(_("web address"), blank=True)
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        help_text=_("The language it is written in and answers in (en, es); blank: any."),
    )
    country = models.CharField(
        _("country"),
        max_length=2,
        blank=True,
        help_text=_("Two-letter code (GB, US); blank: anywhere."),
    )
    position = models.PositiveSmallIntegerField(
        _("position"), default=0, help_text=_("Lower comes first.")
    )

    class Meta:
        verbose_name = _("crisis resource")
        verbose_name_plural = _("crisis resources")
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class ReplyNotice(models.Model):
    """A reply someone should hear about; batched into at most one mail per thread an hour."""

    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        verbose_name=_("recipient (member)"),
    )
    recipient_subscriber = models.ForeignKey(
        Subscriber,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        verbose_name=_("recipient (guest)"),
    )
    thread = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="+", verbose_name=_("thread")
    )
    reply = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="+", verbose_name=_("reply")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("reply notice")
        verbose_name_plural = _("reply notices")
        indexes = [models.Index(fields=["sent_at", "thread"], name="replynotice_pending_idx")]

    def __str__(self):
        return gettext("Reply %(reply)s in thread %(thread)s") % {
            "reply": self.reply_id,
            "thread": self.thread_id,
        }


class RejectionReason(models.Model):
    """A reason of the site's list, quoted to the author of a rejected post (a statement of
    reasons). Staff edit the list in the admin; a reason in use is retired, not deleted.

    Its text has a column per language (comments/translation.py): `reason.text` reads the
    active language's, or the English text when the reason has none in that language. Read it
    where the words are shown (a page, a mail under its recipient's language), not before."""

    code = models.SlugField(
        _("code"), max_length=30, unique=True, help_text=_("A short name, never shown.")
    )
    text = models.CharField(
        _("reason"),
        max_length=200,
        help_text=_("Quoted to the author: “Your post was not published. The reason: …”"),
    )
    is_active = models.BooleanField(
        _("offered"),
        default=True,
        help_text=_("Offered to moderators. Untick to retire it: posts keep their reason."),
    )
    position = models.PositiveSmallIntegerField(
        _("position"), default=0, help_text=_("Lower comes first.")
    )

    class Meta:
        verbose_name = _("rejection reason")
        verbose_name_plural = _("rejection reasons")
        ordering = ["position", "pk"]

    def __str__(self):
        return self.text

    def save(self, *args, **kwargs):
        # With English active, the unsuffixed column (text) is written with the English text,
        # whoever saves: it is what a query that named only it reads (comments/translation.py).
        with translation.override(settings.MODELTRANSLATION_DEFAULT_LANGUAGE):
            super().save(*args, **kwargs)


class Appeal(models.Model):
    """The author of a rejected post asks, once, for a second look (comments/appeals.py). The
    rejection mail carries the link; only its hash is kept. A moderator other than the one who
    rejected the post decides, and the author is mailed the outcome."""

    class Outcome(models.TextChoices):
        UPHELD = "upheld", _("The rejection stands")
        RESTORED = "restored", _("The post was restored")

    comment = models.OneToOneField(
        Comment, on_delete=models.CASCADE, related_name="appeal", verbose_name=_("comment")
    )
    # Who made the decision appealed: they may not decide the appeal.
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("rejected by"),
    )
    # The reason appealed against (the post's own is cleared if it is restored).
    reason = models.ForeignKey(
        RejectionReason,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reason"),
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    offered_at = models.DateTimeField(_("offered at"), auto_now_add=True)
    text = models.TextField(_("what the author says"), max_length=2000, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, db_index=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    decision_note = models.TextField(_("note to the author"), max_length=1000, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["submitted_at", "pk"]

    def __str__(self):
        return gettext("Appeal of comment %(pk)s") % {"pk": self.comment_id}

    @property
    def is_waiting(self):
        return self.submitted_at is not None and not self.outcome


class ModerationRules(models.Model):
    """The site's thresholds, one row, edited by staff in the admin."""

    max_links = models.PositiveSmallIntegerField(
        _("max links"),
        default=2,
        help_text=_("A post with more links than this waits for review."),
    )
    new_author_held_posts = models.PositiveSmallIntegerField(
        _("new author held posts"),
        default=1,
        help_text=_("An author's posts wait for review until this many of them were approved."),
    )
    trusted_after_approved = models.PositiveSmallIntegerField(
        _("trusted after approved"),
        default=3,
        help_text=_("Authors with this many approved posts may post more links."),
    )
    report_threshold = models.PositiveSmallIntegerField(
        _("report threshold"),
        default=3,
        help_text=_("A post reported by this many readers is hidden until reviewed."),
    )

    class Meta:
        verbose_name = verbose_name_plural = _("moderation rules")

    def __str__(self):
        return gettext("Moderation rules")

    @classmethod
    def current(cls):
        return cls.objects.get_or_create(pk=1)[0]


class WatchedWord(models.Model):
    class Action(models.TextChoices):
        REJECT = "reject", _("Reject the post")
        HOLD = "hold", _("Hold for review")
        MASK = "mask", _("Replace with asterisks")
        CRISIS = "crisis", _("Hold as a crisis: urgent, on-call moderators mailed at once")

    phrase = models.CharField(_("phrase"), max_length=100, unique=True)
    action = models.CharField(
        _("action"), max_length=10, choices=Action.choices, default=Action.HOLD
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("watched word")
        verbose_name_plural = _("watched words")

    def __str__(self):
        return self.phrase


class BlockedAddress(models.Model):
    class Kind(models.TextChoices):
        EMAIL = "email", _("Email address")
        DOMAIN = "domain", _("Email domain")
        NETWORK = "network", _("IP address or network")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    value = models.CharField(
        _("value"),
        max_length=254,
        help_text=_("e.g. spam@example.org, example.org, 203.0.113.0/24"),
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("blocked address")
        verbose_name_plural = _("blocked addresses")
        constraints = [models.UniqueConstraint(fields=["kind", "value"], name="blocked_once")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.value}"


class Ban(models.Model):
    """A member or a subscriber address that may not post, for good or until a date."""

    # SET_NULL: however the account goes, the ban stays, by the hash of its inbox.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="bans",
        verbose_name=_("member"),
    )
    email = models.EmailField(_("email"), blank=True, help_text=_("A guest's address."))
    # A keyed hash of the inbox the ban's address reaches (accounts.privacy.address_hash, so
    # bob+2@ is bob@): set when the ban is made (comments.moderator_actions.ban_key) and
    # matched on, indexed.
    # It is all that is left of a ban when its member deleted their account, or a banned guest
    # erased their data, so the ban still holds when the inbox comes back, without the address
    # being kept. Hashes made before bans were by inbox are of the address as typed.
    email_hash = models.CharField(
        _("email hash"), max_length=64, blank=True, db_index=True, editable=False
    )
    until = models.DateTimeField(_("until"), null=True, blank=True, help_text=_("Empty: for good."))
    reason = models.CharField(_("reason"), max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("ban")
        verbose_name_plural = _("bans")
        indexes = [models.Index(fields=["until"], name="ban_until_idx")]  # the admin's filter
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(email="") | ~Q(email_hash=""),
                name="ban_names_someone",
            )
        ]

    def __str__(self):
        who = self.user or self.email or gettext("an erased address")
        if self.until:
            return gettext("Ban of %(who)s until %(date)s") % {
                "who": who,
                "date": formats.date_format(timezone.localtime(self.until), "SHORT_DATE_FORMAT"),
            }
        return gettext("Ban of %(who)s") % {"who": who}


class ModerationAction(models.Model):
    """The audit log: written once per staff action, never changed."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("actor"),
    )
    # Stored in English, as a key (comments/moderator_actions.py); shown translated
    # (comments/reasons.py action_shown).
    action = models.CharField(_("action"), max_length=30)
    comment = models.ForeignKey(
        Comment,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="moderation_log",
        verbose_name=_("comment"),
    )
    subject = models.CharField(
        _("subject"), max_length=300, help_text=_("What was acted on, in words.")
    )
    status_before = models.CharField(_("status before"), max_length=10, blank=True)
    status_after = models.CharField(_("status after"), max_length=10, blank=True)
    note = models.TextField(_("note"), blank=True)
    text_before = models.TextField(
        _("text before"),
        blank=True,
        help_text=_("For an edit: the post's words before it (what readers had seen)."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        # The admin's list in its order, whole and by action.
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="audit_log_order_idx"),
            models.Index(fields=["action", "-created_at", "-id"], name="audit_log_action_idx"),
        ]

    def __str__(self):
        return f"{reasons.action_shown(self.action)}: {self.subject}"


class ModeratorDigest(models.Model):
    """When the moderators were last mailed about waiting posts (one row)."""

    last_sent_at = models.DateTimeField(_("last sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("moderators' digest")
        verbose_name_plural = _("moderators' digests")

    def __str__(self):
        return gettext("Digest last sent %(when)s") % {
            "when": formats.date_format(timezone.localtime(self.last_sent_at), "DATETIME_FORMAT")
            if self.last_sent_at
            else "—"
        }
