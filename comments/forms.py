"""Input boundary for the thread: posting, editing, reporting.

A post or an edit is valid only once every check a send goes through has passed, in this order:
the fields, the honeypot and the "started" token (cheap), the post replied to, then the
sender's rate limits, counted before the personal-details scan (the costly part) so a flood
cannot run it, and last the scan itself, which holds the post until its author confirms.
The comment forms render themselves (templates/comments/_comment_form.html, edit.html) from
their fields, labels and ids (`auto_id`: one prefix per form on the page).
"""

import hashlib
import secrets
import time

from django import forms
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy, pgettext

from comments import moderator_actions, rate_limits
from comments.models import Comment, Report
from comments.privacy_nudge import find_personal_details
from comments.text import clean_comment_text
from kindred.images import ACCEPTED_TYPES

STARTED_SALT = "comments.forms.started"
EMPTY_POST = gettext_lazy("Every post needs text or a picture.")
TOO_FAST = gettext_lazy("You are posting very fast. Please wait a minute and try again.")
# What the file chooser offers: the formats kindred/images.py accepts.
PICTURE_TYPES = ",".join(ACCEPTED_TYPES)


def _holder(author):
    """Who a form was shown to: the member, or the guest in this browser (hashed, so the page
    shows no ids). Forms are only shown to someone who has a session: the page of an anonymous
    reader, the one that is cached, has no comment form and so no token."""
    if author is None:
        return ""
    who = f"{author.identity}:{author.guest_key}"
    return hashlib.sha256(who.encode()).hexdigest()[:20]


def form_started_token(author):
    """When the form was shown and to whom, signed, with a one-time name: a bot can neither
    claim it took its time, nor send one form many times, nor use somebody else's form."""
    payload = {"t": int(time.time()), "n": secrets.token_urlsafe(12), "w": _holder(author)}
    return signing.dumps(payload, salt=STARTED_SALT)


def _is_first_use(nonce):
    """Remember a sent form's name for as long as the form is valid. When the store cannot
    answer, the form is let through: this guards our capacity only (the rate limits remain)."""
    key = f"comments:form-sent:{nonce}"
    if cache.add(key, 1, settings.COMMENTS_FORM_MAX_SECONDS + 60):
        return True
    is_available = getattr(cache, "is_available", None)
    return is_available is not None and not is_available()


def _started_problem(token, author):
    """None when the form may be used now (and marks it used), else (code, message)."""
    try:
        started = signing.loads(token or "", salt=STARTED_SALT)
    except signing.BadSignature:
        started = None
    is_token = isinstance(started, dict) and isinstance(started.get("t"), int)
    if not is_token or started.get("w") != _holder(author):
        return "too_fast", gettext("That was very quick. Please check your post and send it again.")
    age = time.time() - started["t"]
    if age > settings.COMMENTS_FORM_MAX_SECONDS:
        return "stale", gettext(
            "This form was open for a long time. Please send it again: your text is kept below."
        )
    if age < settings.COMMENTS_MIN_FILL_SECONDS:
        return "too_fast", gettext("That was very quick. Please check your post and send it again.")
    if not _is_first_use(str(started.get("n", ""))):
        return "used", gettext(
            "This form was already sent once. If you meant to post this as well, "
            "please check it and send it again."
        )
    return None


def personal_details(body, image_alt=""):
    """What the privacy nudge names: details in the text, and in the picture description,
    which everyone reads too (said as such, so the author knows where to look)."""
    details = find_personal_details(body)
    if image_alt:
        details += [
            gettext("%(detail)s in the picture description") % {"detail": detail}
            for detail in find_personal_details(image_alt)
        ]
    return details


def _joined(details):
    # Translators: between the kinds of detail found ("a phone number and an email address").
    word = pgettext("list of details", "and")
    return f" {word} ".join(details)


class _SendChecks:
    """The last two checks of a post or an edit, shared by both forms (see the module's doc)."""

    def _check_limits_then_details(self, body, image_alt):
        if not rate_limits.is_within(self.ip, self.author):
            raise forms.ValidationError(TOO_FAST, code="rate_limited")
        self.details = personal_details(body, image_alt)
        if self.details and not self.cleaned_data.get("confirm_details"):
            self.add_error(
                "confirm_details",
                forms.ValidationError(
                    gettext(
                        "Your post seems to contain %(details)s. Everyone who reads this article "
                        "can see your post, so you may want to take it out."
                    ),
                    code="personal_details",
                    params={"details": _joined(self.details)},
                ),
            )

    @property
    def top_errors(self):
        """What stopped the send as a whole: the form's own errors, and those of its hidden
        fields (the post replied to), which have no place of their own on the page."""
        errors = list(self.non_field_errors())
        for hidden in self.hidden_fields():
            errors.extend(hidden.errors)
        return errors

    @property
    def is_asking_about_details(self):
        """Held by the privacy nudge only: the author confirms, or edits the details out."""
        return self.is_bound and self.has_error("confirm_details", "personal_details")


class CommentForm(_SendChecks, forms.Form):
    """A new post or a reply, by `author` under `article`. Shown under a post (`parent`) it is
    that post's reply form."""

    body = forms.CharField(
        label=gettext_lazy("Your post"),
        required=False,
        max_length=settings.COMMENTS_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        error_messages={
            "max_length": gettext_lazy(
                "Please keep your post under %(limit_value)d characters (it has %(show_value)d)."
            )
        },
    )
    image = forms.FileField(
        label=gettext_lazy("Add a picture (optional)"),
        required=False,
        widget=forms.FileInput(attrs={"class": "form-control", "accept": PICTURE_TYPES}),
    )
    image_alt = forms.CharField(
        label=gettext_lazy("Describe the picture"),
        required=False,
        max_length=250,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    is_picture_sensitive = forms.BooleanField(
        label=gettext_lazy(
            "This picture shows something sensitive (a wound, surgery): show it blurred until "
            "a reader chooses to see it"
        ),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # A field people never see (the template hides it from sight and from assistive
    # technology); bots fill in everything.
    website = forms.CharField(
        label=gettext_lazy("Leave this empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    confirm_details = forms.BooleanField(
        label=gettext_lazy("I know; post it as it is"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    # Offered to members only (`members_choice`).
    members_only = forms.BooleanField(
        label=gettext_lazy(
            "Only members can read this (not visitors who are not signed in, nor search engines)"
        ),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, author, article, parent=None, ip="", members_choice=None, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        if members_choice is None:
            members_choice = author is not None and author.is_member
        self.members_choice = members_choice
        if not members_choice:
            del self.fields["members_only"]
        self.author = author  # whom the form was shown to: its "started" token names them
        self.article = article
        self.ip = ip
        self.details = []
        self._parent = parent
        self.fields["body"].help_text = (
            gettext(
                "Text, a picture, or both; up to %(limit)s characters. Everyone who reads this "
                "article can see it, unless you choose members only below."
            )
            if members_choice
            else gettext(
                "Text, a picture, or both; up to %(limit)s characters. Everyone who reads this "
                "article can see it."
            )
        ) % {"limit": settings.COMMENTS_MAX_LENGTH}
        if parent is not None:
            self.fields["body"].label = gettext("Your reply")
            self.initial["parent"] = parent.pk

    @cached_property
    def action(self):
        """Where the form is sent (every reply form of a page shares its form's)."""
        return reverse("comments:post", args=[self.article.slug])

    @cached_property
    def posting_as(self):
        """Whom the post will show as written by. Until this browser proves the address, the
        name typed here, never the stored one."""
        line = format_html(
            gettext("Posting as <strong><bdi>{name}</bdi></strong>."), name=self.author.name
        )
        if self.author.is_unproven_guest:
            note = gettext(
                "Your post is sent on once you open the link we emailed you; it may then "
                "wait for a moderator before others see it."
            )
            line = format_html("{} {}", line, note)
        return line

    @cached_property
    def started_token(self):
        """The token the form is shown with (each token is good for one send)."""
        return form_started_token(self.author)

    @property
    def replying_to(self):
        """The post this form answers: the one it is shown under, or the one it was sent to,
        if that is still there to answer."""
        if not self.is_bound:
            return self._parent
        return getattr(self, "cleaned_data", {}).get("parent")

    def clean_body(self):
        return clean_comment_text(self.cleaned_data["body"])

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if image and image.size > settings.PICTURE_MAX_BYTES:
            raise forms.ValidationError(
                gettext("That picture is too large. Please choose one under %(limit)s MB."),
                params={"limit": settings.PICTURE_MAX_BYTES // (1024 * 1024)},
            )
        return image

    def clean_parent(self):
        """The published post of this article replied to, or None for a new post."""
        parent_id = self.cleaned_data.get("parent")
        if not parent_id:
            return None
        parent = Comment.objects.filter(
            pk=parent_id, article=self.article, status=Comment.Status.PUBLISHED
        )
        if not (self.author is not None and self.author.is_member):
            parent = parent.filter(members_only=False)  # they cannot see it to answer it
        parent = parent.first()
        if parent is None:
            raise forms.ValidationError(
                gettext("The post you replied to is no longer there."), code="parent_gone"
            )
        return parent

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if data.get("website"):
            raise forms.ValidationError(
                gettext("Your post could not be accepted."), code="honeypot"
            )
        if not data.get("body") and not data.get("image"):
            raise forms.ValidationError(EMPTY_POST, code="empty")
        if data.get("image") and not data.get("image_alt", "").strip():
            self.add_error("image_alt", gettext("Please describe the picture in a few words."))
        problem = _started_problem(self.data.get("started"), self.author)
        if problem is not None:
            code, message = problem
            raise forms.ValidationError(message, code=code)
        if not self.errors:
            image_alt = data.get("image_alt", "") if data.get("image") else ""
            self._check_limits_then_details(data["body"], image_alt)
        return data


class EditForm(_SendChecks, forms.Form):
    """The author's edit of `comment`: its text, and if it has a picture, its description and
    whether it is sensitive (fixed when a moderator marked it so)."""

    body = CommentForm.base_fields["body"]
    image_alt = CommentForm.base_fields["image_alt"]
    is_picture_sensitive = CommentForm.base_fields["is_picture_sensitive"]
    confirm_details = CommentForm.base_fields["confirm_details"]

    def __init__(self, *args, comment, author, ip="", **kwargs):
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("auto_id", "edit-%s")
        kwargs.setdefault(
            "initial",
            {
                "body": comment.body,
                "image_alt": comment.image_alt,
                "is_picture_sensitive": comment.is_picture_sensitive,
            },
        )
        super().__init__(*args, **kwargs)
        self.comment = comment
        self.author = author
        self.ip = ip
        self.details = []
        self.fields["body"].widget.attrs["rows"] = 6
        if not self.has_picture:
            del self.fields["image_alt"]
            del self.fields["is_picture_sensitive"]
        elif moderator_actions.is_sensitive_by_moderator(comment):
            sensitive = self.fields["is_picture_sensitive"]
            sensitive.disabled = True  # the posted value is ignored: the initial one stands
            sensitive.help_text = gettext("A moderator marked this picture as sensitive.")

    @property
    def has_picture(self):
        return bool(self.comment.image)

    def clean_body(self):
        return clean_comment_text(self.cleaned_data["body"])

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if not data.get("body") and not self.has_picture:
            raise forms.ValidationError(EMPTY_POST, code="empty")
        image_alt = data.get("image_alt", "") if self.has_picture else ""
        self._check_limits_then_details(data["body"], image_alt)
        return data


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label=gettext_lazy("What is wrong with this post?"),
        choices=Report.Reason.choices,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=gettext_lazy("Anything moderators should know? (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AppealForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Why should a moderator look at your post again?"),
        help_text=gettext_lazy(
            "A moderator who did not make the first decision reads this, with your post."
        ),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": gettext_lazy("Say in a few words why, so they can judge.")},
    )
