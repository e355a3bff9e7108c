"""Input boundary for the thread: posting, editing, reporting."""

import time

from django import forms
from django.conf import settings
from django.core import signing

from comments.models import Report
from comments.text import clean_comment_text

STARTED_SALT = "comments.forms.started"
EMPTY_POST = "Every post needs text or a picture."


def form_started_token():
    """When the form was shown, signed, so a bot cannot claim it took its time."""
    return signing.dumps(int(time.time()), salt=STARTED_SALT)


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
        try:
            started = signing.loads(data.get("started") or "", salt=STARTED_SALT)
        except signing.BadSignature:
            started = None
        if (
            not isinstance(started, int)
            or time.time() - started < settings.COMMENTS_MIN_FILL_SECONDS
        ):
            data["started"] = form_started_token()
            raise forms.ValidationError(
                "That was very quick. Please check your post and send it again.", code="too_fast"
            )
        return data


class EditForm(forms.Form):
    body = CommentForm.base_fields["body"]
    image_alt = CommentForm.base_fields["image_alt"]

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
