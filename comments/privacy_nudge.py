"""Spot personal details in a post before it goes public (local rules, no outside service)."""

import re

from django.utils.translation import gettext

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# Seven or more digits, allowing spaces, dots, dashes, brackets and a leading +.
_PHONE = re.compile(r"(?<![\w/])\+?\(?\d[\d\s().-]{6,}\d(?![\w/])")
_STREET_WORDS = (
    r"street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|"
    r"terrace|close|crescent|square|highway|hwy|parkway|pkwy"
)
_STREET = re.compile(
    rf"\b\d{{1,5}}[a-z]?\s+(?:[A-Za-z][\w'-]*\s+){{1,4}}(?:{_STREET_WORDS})\b\.?",
    re.IGNORECASE,
)


def find_personal_details(text):
    """The kinds of personal detail found in `text`, e.g. ["a phone number"]."""
    found = []
    if _EMAIL.search(text):
        found.append(gettext("an email address"))
    without_emails = _EMAIL.sub(" ", text)
    if any(sum(ch.isdigit() for ch in m.group(0)) >= 7 for m in _PHONE.finditer(without_emails)):
        found.append(gettext("a phone number"))
    if _STREET.search(without_emails):
        found.append(gettext("a street address"))
    return found
