"""Input boundary for members and subscribers."""

import re
import unicodedata

from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy

from accounts.addresses import validate_plain_address
from accounts.models import User

# What mail programs and our own pages would turn into a link: a scheme, "www.", an email
# address, or a name with a dot and a path or a well-known ending (as Django's urlize reads it).
_ADDRESS_IN_NAME = re.compile(
    r"://|\bwww\.|@|\w\.[a-z]{2,}/|\w\.(com|edu|gov|int|mil|net|org)\b", re.IGNORECASE
)


# What `clean_person_name` says of each kind of name: (wrong characters, empty).
_NAME_ERRORS = {
    "Name": (
        gettext_lazy("Name can only contain letters, numbers and punctuation."),
        gettext_lazy("Please tell us your name."),
    ),
    "Display name": (
        gettext_lazy("Display name can only contain letters, numbers and punctuation."),
        gettext_lazy("Please tell us your display name."),
    ),
}


def clean_person_name(value, label="Name"):
    """Names go into mail headers, mails to others and pages: no control characters, no line
    breaks, and no web or email address (a name typed in the guest box goes into a mail to the
    address typed with it: it must not carry a link from our domain). `label`: "Name" or
    "Display name", which the messages name."""
    wrong_characters, empty = _NAME_ERRORS[label]
    value = (value or "").strip()
    if any(unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"} for ch in value):
        raise forms.ValidationError(wrong_characters)
    value = " ".join(value.split())
    if not value:
        raise forms.ValidationError(empty)
    if _ADDRESS_IN_NAME.search(value):
        raise forms.ValidationError(
            gettext("Please give a name without a web or email address in it.")
        )
    return value


class SignupExtraForm(forms.Form):
    """allauth's sign-up form plus the public display name."""

    display_name = forms.CharField(
        max_length=50,
        label=gettext_lazy("Display name"),
        help_text=gettext_lazy("Shown next to your posts. It need not be your real name."),
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )

    # Consent to these two pages alone: nothing else (no newsletter) rides on this box.
    agrees_to_terms = forms.BooleanField(
        required=True,
        help_text=gettext_lazy("We keep the date and time you agreed."),
        error_messages={
            "required": gettext_lazy(
                "To join, please agree to the community guidelines and the privacy notice "
                "(tick the box)."
            )
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built here, not at import: the links are reversed once the URLs are loaded.
        self.fields["agrees_to_terms"].label = format_html(
            gettext(
                'I agree to the <a href="{guidelines}">community guidelines</a> and I have '
                'read the <a href="{privacy}">privacy notice</a>.'
            ),
            guidelines=reverse("guidelines"),
            privacy=reverse("privacy"),
        )

    def clean_display_name(self):
        return clean_person_name(self.cleaned_data["display_name"], "Display name")

    def signup(self, request, user):
        user.display_name = self.cleaned_data["display_name"]
        user.agreed_to_terms_at = timezone.now()
        user.save(update_fields=["display_name", "agreed_to_terms_at"])


class SubscribeForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        error_messages={"max_length": gettext_lazy("Please keep your name under 100 characters.")},
    )
    email = forms.EmailField(
        label=gettext_lazy("Email"),
        max_length=254,
        error_messages={
            "invalid": gettext_lazy("Please enter a valid email address, like name@example.org.")
        },
        # "ann"@… reaches ann@…'s inbox: one inbox, one subscriber row.
        validators=[validate_plain_address],
    )
    source = forms.CharField(required=False, max_length=20)
    # In the comment box, new articles by mail are a choice of their own; on the subscribe page
    # and in the sidebar they are what the form is for.
    newsletter = forms.BooleanField(required=False)
    # Where the comment box sends the reader back to (checked in the view: this site only).
    next = forms.CharField(required=False, max_length=300)

    def clean_name(self):
        return clean_person_name(self.cleaned_data["name"])


class LanguageSelect(forms.Select):
    """Each language named in itself, and marked as written in it (`lang`), for screen
    readers."""

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if value:
            option["attrs"]["lang"] = value
        return option


def language_choices():
    """settings.LANGUAGES, each named in its own language ("Español")."""
    return [
        (code, translation.get_language_info(code)["name_local"])
        for code, _name in settings.LANGUAGES
    ]


class AccountSettingsForm(forms.ModelForm):
    # The member's language: of the pages they see here and of every mail we send them. Not
    # required: a form sent without it (an old page) keeps the one saved.
    language = forms.ChoiceField(
        label=gettext_lazy("Language"),
        help_text=gettext_lazy(
            "The language of the pages you see here and of the emails we send you."
        ),
        choices=language_choices,
        required=False,
        widget=LanguageSelect,
    )
    wants_newsletter = forms.BooleanField(
        required=False, label=gettext_lazy("Email me new articles as they are published")
    )

    class Meta:
        model = User
        fields = [
            "display_name",
            "role",
            "living_with",
            "bio",
            "profile_public",
            "notify_replies",
            "moderator_digest",
            "language",
        ]
        widgets = {"bio": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "bio": gettext_lazy(
                "A few words about you. Optional. Shown on your profile page, if you choose "
                "to show it."
            ),
            "role": gettext_lazy(
                "Shown with your name on your posts. “Health professional” shows only once "
                "our staff have checked it: write to us from the contact page."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        moderates = self.instance.groups.filter(name="Moderators").exists()
        if not (self.instance.is_staff and moderates):
            del self.fields["moderator_digest"]  # for moderators only
        # A member who never chose one sees the language of this page, which is theirs.
        offered = dict(settings.LANGUAGES)
        page = translation.get_language()
        self.initial["language"] = self.instance.language or (
            page if page in offered else settings.LANGUAGE_CODE
        )

    def clean_display_name(self):
        return clean_person_name(self.cleaned_data["display_name"], "Display name")

    def clean_language(self):
        return self.cleaned_data["language"] or self.instance.language


class DeleteAccountForm(forms.Form):
    KEEP = "keep"
    REMOVE = "remove"
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        label=gettext_lazy("Your password"),
    )
    comments = forms.ChoiceField(
        label=gettext_lazy("What should happen to your comments?"),
        choices=[
            (KEEP, gettext_lazy("Keep them, shown as by “a former member”")),
            (REMOVE, gettext_lazy("Remove them")),
        ],
        widget=forms.RadioSelect,
        initial=KEEP,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(gettext("That is not your current password."))
        return password
