"""Identity: the member (a User with a public display name)."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("A member needs an email address.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class Role(models.TextChoices):
    PATIENT = "patient", _("Patient")
    CAREGIVER = "caregiver", _("Caregiver or family")
    PROFESSIONAL = "professional", _("Health professional")


class User(AbstractUser):
    """A member. Others see only the display name, never the email address."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(
        _("display name"),
        max_length=50,
        help_text=_("Shown next to your posts. It need not be your real name."),
    )
    bio = models.TextField(_("bio"), blank=True, max_length=500)
    notify_replies = models.BooleanField(_("email me when someone replies to me"), default=True)
    # For moderators: the digest of what waits for them (comments/notifications.py).
    moderator_digest = models.BooleanField(
        _("email me the moderators' digest"),
        default=True,
        help_text=_("For moderators: what waits for review, at most every 30 minutes."),
    )
    # The profile's address (/members/<handle>/): made from the display name while the profile
    # is shown, made anew when the name changes (accounts/profiles.py sync_handle). Was: kept when
    # the name changes so that links stay (accounts/profiles.py).
    handle = models.SlugField(_("handle"), max_length=60, blank=True, editable=False)
    # Who is speaking: shown on the member's posts and profile, all optional. "Health
    # professional" shows only once staff verified it (profession_verified).
    role = models.CharField(
        _("I post as"), max_length=20, choices=Role.choices, blank=True, default=""
    )
    living_with = models.CharField(
        _("Living with (optional)"),
        max_length=80,
        blank=True,
        help_text=_("A few words shown with your name, e.g. “SMA type 3” or “my son's SMA”."),
    )
    profile_public = models.BooleanField(
        _("Show my profile page"),
        default=False,
        help_text=_("Your display name, role, bio and published posts, for anyone to read."),
    )
    profession_verified = models.CharField(
        _("verified profession"),
        max_length=80,
        blank=True,
        help_text=_("Set by staff after checking, e.g. “Registered nurse”. Empty: not verified."),
    )
    profession_verified_at = models.DateTimeField(
        _("profession verified at"), null=True, blank=True, editable=False
    )
    # The language of their pages and mails (kindred/languages.py): the page's language at
    # sign-up, then theirs to change in the settings or with the footer's switcher.
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True, default=""
    )
    # When they agreed to the community guidelines and the privacy notice (at sign-up).
    agreed_to_terms_at = models.DateTimeField(
        _("agreed to terms at"), null=True, blank=True, editable=False
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        # The admin's list of members, newest first (accounts/admin.py UserAdmin.ordering, with
        # Django's -pk): whole, and the few staff or inactive accounts its filters pick.
        indexes = [
            models.Index(fields=["-date_joined", "-id"], name="user_joined_idx"),
            models.Index(
                fields=["-date_joined", "-id"], condition=Q(is_staff=True), name="user_staff_idx"
            ),
            models.Index(
                fields=["-date_joined", "-id"],
                condition=Q(is_active=False),
                name="user_inactive_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            models.UniqueConstraint(
                fields=["handle"], condition=~Q(handle=""), name="accounts_user_handle_unique"
            ),
        ]

    def __str__(self):
        return self.display_name or gettext("member #%(number)s") % {"number": self.pk}

    # What pages show of a member: a change to these is a change of every page they posted on.
    SHOWN_ON_PAGES = (
        *("display_name", "role", "living_with", "profile_public", "profession_verified"),
        "is_active",
    )  # the bio shows on the profile page only, which is not cached

    def get_full_name(self):
        return self.display_name

    def get_short_name(self):
        return self.display_name


class Subscriber(models.Model):
    """A reader who shared a name and an email address: double opt-in for new-article mail.

    One row per address (case-insensitive). A member who subscribes is linked to the same row.
    """

    class Source(models.TextChoices):
        COMMENTS = "comments", _("Comment box")
        SIDEBAR = "sidebar", _("Sidebar")
        PAGE = "page", _("Subscribe page")
        ACCOUNT = "account", _("Account settings")
        # Wrote comments on the site this one came from (comments/importing.py): never mailed
        # until its owner confirms the address here, never a newsletter recipient by import.
        IMPORT = "import", _("Imported comments")

    email = models.EmailField(_("email"), max_length=254)
    name = models.CharField(_("name"), max_length=100)
    user = models.OneToOneField(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="subscriber",
        verbose_name=_("user"),
    )
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.PAGE
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed at"), null=True, blank=True)
    confirmation_sent_at = models.DateTimeField(_("confirmation sent at"), null=True, blank=True)
    notify_replies = models.BooleanField(_("email me when someone replies to me"), default=True)
    # When they chose to get new articles by mail (a choice of its own, never bundled with
    # sharing a name and email to read the conversation); empty: no new-article mail.
    newsletter_at = models.DateTimeField(_("newsletter at"), null=True, blank=True)
    # The language they used when they shared the address: their mails are written in it.
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True, default=""
    )
    # Changes with each confirmation mail and is cleared once used: old links stop working.
    confirmation_nonce = models.CharField(max_length=32, blank=True, editable=False)
    unsubscribe_key = models.CharField(max_length=64, unique=True, editable=False)

    class Meta:
        verbose_name = _("subscriber")
        verbose_name_plural = _("subscribers")
        # The admin's date hierarchy: its first and last dates, read off the index.
        indexes = [models.Index(fields=["created_at"], name="subscriber_created_idx")]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_subscriber_email_ci_unique"),
        ]

    def __str__(self):
        return self.email

    @property
    def is_confirmed(self):
        return self.confirmed_at is not None

    @property
    def accepts_mail(self):
        """Confirmed and not unsubscribed: the address's owner proved it and did not say stop."""
        return self.confirmed_at is not None and self.unsubscribed_at is None

    @property
    def is_subscribed(self):
        """Receives new-article mail: confirmed, chose it (newsletter_at), not unsubscribed."""
        return self.accepts_mail and self.newsletter_at is not None


class Delivery(models.Model):
    """One email, written before it is sent: its key makes a repeated task a no-op.

    A mail that carries a log-in, reset or confirmation link (`is_sensitive`) is never kept
    readable: until it is sent its text, HTML and headers live only in `sealed_body`, encrypted
    with a key derived from SECRET_KEY (accounts/mail.py), and once sent even that is gone. Other
    mails keep their body for MAIL_BODY_RETENTION_DAYS after sending (clear_mail_bodies).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed (will retry)")
        SUPPRESSED = "suppressed", _("Not sent: the address bounces or complained")

    key = models.CharField(_("key"), max_length=200, unique=True)
    to = models.EmailField(pgettext_lazy("the recipient of a mail", "to"), max_length=254)
    subject = models.CharField(_("subject"), max_length=250)
    template = models.CharField(
        _("template"), max_length=100, blank=True, help_text=_("Which mail this is.")
    )
    is_sensitive = models.BooleanField(
        _("contains a one-time link"),
        default=False,
        help_text=_("Its body is never kept readable."),
    )
    text_body = models.TextField(_("text body"), blank=True)
    html_body = models.TextField(_("HTML body"), blank=True)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    sealed_body = models.TextField(blank=True, editable=False)
    body_cleared_at = models.DateTimeField(_("body cleared at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_retry_idx")]

    def __str__(self):
        return f"{self.subject} → {self.to}"


class AddressClaim(models.Model):
    """A browser that typed an address, with the name it typed there.

    Typing an address proves nothing, so what was typed is kept apart from the Subscriber row:
    the browser is shown its own name (the session keeps it), the confirmation mail shows it to
    the address's owner, and it becomes the row's name only if the owner confirms through a link
    this browser asked for. The background task that mails the link gets this row's id, never
    the name or the browser's key. Deleted with the subscriber, and by `purge_task_results`
    once no link it was mailed with can still be used.
    """

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="claims")
    guest_key = models.CharField(max_length=40, editable=False)
    name = models.CharField(max_length=100)
    updated_at = models.DateTimeField(db_index=True)
    # This browser's own link: a mail asked for by another browser does not replace it, and
    # it is cleared once used. Resends are paced per claim (CONFIRMATION_RESEND_SECONDS), so
    # a stranger's mails do not hold back the owner's; the inbox's hourly cap stays shared.
    confirmation_nonce = models.CharField(max_length=32, blank=True, editable=False)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    # This browser also asked for new articles by mail: applied only when the owner confirms
    # through this browser's link (a stranger cannot subscribe somebody else's address).
    wants_newsletter = models.BooleanField(default=False, editable=False)

    class Meta:
        verbose_name = _("address claim")
        verbose_name_plural = _("address claims")
        constraints = [
            models.UniqueConstraint(
                fields=["subscriber", "guest_key"], name="one_claim_per_browser_and_address"
            ),
        ]

    def __str__(self):
        return f"claim {self.pk} on {self.subscriber_id}"


class MailSuppression(models.Model):
    """An address mail is no longer sent to (accounts/deliverability.py): it bounced hard, its
    owner marked our mail as spam, or it bounced softly too many times in a row. Only what its
    owner asks for (a password reset) still goes. Staff lift it in the admin."""

    class Reason(models.TextChoices):
        HARD_BOUNCE = "bounced", _("It bounced: the address does not exist or refuses mail")
        COMPLAINT = "complained", _("Its owner marked our mail as spam")
        SOFT_BOUNCES = "soft", _("It bounced for a while, several times in a row")
        REJECTED = "rejected", _("The mail provider refused to send to it")

    email = models.EmailField(_("email"), max_length=254, unique=True)  # lower case
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices, blank=True)
    # Temporary failures in a row (a delivered mail resets it); past the limit, suppressed.
    soft_bounces = models.PositiveSmallIntegerField(_("soft bounces"), default=0)
    detail = models.CharField(
        _("detail"), max_length=300, blank=True, help_text=_("What the provider said.")
    )
    suppressed_at = models.DateTimeField(_("suppressed at"), null=True, blank=True, db_index=True)
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("lifted by"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("mail suppression")
        verbose_name_plural = _("mail suppressions")

    def __str__(self):
        return self.email

    @property
    def is_active(self):
        return self.suppressed_at is not None
