"""Input boundary of the articles app: the search box."""

from django import forms
from django.utils.translation import gettext_lazy as _

from articles.search import MAX_QUERY_LENGTH


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search articles"),
        required=False,
        max_length=MAX_QUERY_LENGTH,
        error_messages={
            "max_length": _("Please use at most %(limit_value)d characters to search.")
        },
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
