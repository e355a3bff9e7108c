"""Input boundary for the thread: posting, editing, reporting."""

import hashlib
import secrets
import time

from django import forms
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.utils.translation import gettext

from comments.models import Report
from comments.text import clean_comment_text

STARTED_SALT = "comments.forms.started"
EMPTY_POST = "Every post needs text or a picture."


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


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Your post",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=settings.COMMENTS_MAX_LENGTH,
        error_messages={
            "max_length": "Please keep your post under %(limit_value)d characters "
            "(it has %(show_value)d)."
        },
    )
    image = forms.FileField(label="Add a picture (optional)", required=False)
    image_alt = forms.CharField(
        label="Describe the picture for people who cannot see it",
        required=False,
        max_length=250,
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # A field people never see; bots fill in everything.
    website = forms.CharField(required=False, label="Leave this empty")
    started = forms.CharField(required=False, widget=forms.HiddenInput)
    confirm_details = forms.BooleanField(required=False)

    def __init__(self, *args, author=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.author = author  # whom the form was shown to: its "started" token names them

    def clean_body(self):
        return clean_comment_text(self.cleaned_data["body"])

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if image and image.size > settings.PICTURE_MAX_BYTES:
            limit = settings.PICTURE_MAX_BYTES // (1024 * 1024)
            raise forms.ValidationError(
                f"That picture is too large. Please choose one under {limit} MB."
            )
        return image

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if data.get("website"):
            raise forms.ValidationError("Your post could not be accepted.", code="honeypot")
        if not data.get("body") and not data.get("image"):
            raise forms.ValidationError(EMPTY_POST, code="empty")
        if data.get("image") and not data.get("image_alt", "").strip():
            self.add_error("image_alt", "Please describe the picture in a few words.")
        problem = _started_problem(data.get("started"), self.author)
        if problem is not None:
            code, message = problem
            raise forms.ValidationError(message, code=code)
        return data


class EditForm(forms.Form):
    body = CommentForm.base_fields["body"]
    image_alt = CommentForm.base_fields["image_alt"]
    confirm_details = forms.BooleanField(required=False)

    def __init__(self, *args, has_picture=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.has_picture = has_picture
        if not has_picture:
            del self.fields["image_alt"]

    def clean_body(self):
        return clean_comment_text(self.cleaned_data["body"])

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("body") and not self.has_picture:
            raise forms.ValidationError(EMPTY_POST, code="empty")
        return data


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label="What is wrong with this post?",
        choices=Report.Reason.choices,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="Anything moderators should know? (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
