"""Email addresses as inboxes: which spellings of an address reach the same person.

Limits per inbox (password-reset mails, confirmations), bans and "distinct reporters" all need one
answer to "is this the same mailbox?", so there is one function for it: `inbox_of`.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

GMAIL_DOMAINS = {"gmail.com", "googlemail.com"}

# RFC 5321 quoted local parts ("tar get"@…, "tar\get"@…) reach the same mailbox as the plain
# name on most servers; nobody needs them to read a health site, so forms refuse them.
_QUOTED_SYNTAX = re.compile(r'["\\]')

quoted_address_message = _(
    "Please use your address without quotation marks or backslashes, like name@example.org."
)


def inbox_of(address):
    """The inbox an address reaches, as one lower-case string: `"Ann.B+news"@GMail.com`,
    `annb@googlemail.com` and `a\\nnb@gmail.com` are all `annb@gmail.com`.

    Lower case (mail servers treat local parts case-insensitively in practice), quotes and
    backslash escapes dropped, the `+tag` removed, and for Gmail the dots too. The domain is in
    its IDNA (xn--) form, so a Unicode and an ASCII spelling of one domain agree. Never raises:
    anything without an @ is returned stripped and lower-cased.
    """
    address = (address or "").strip()
    local, at, domain = address.rpartition("@")
    if not at:
        return address.lower()
    local = local.replace('"', "").replace("\\", "").lower()
    local = local.split("+", 1)[0]
    domain = _ascii_domain(domain.strip().lower().rstrip("."))
    if domain in GMAIL_DOMAINS:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


def _ascii_domain(domain):
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        return domain


def has_quoted_local_part(address):
    """True for addresses written with quotes or backslashes (quoted-string local parts)."""
    return bool(_QUOTED_SYNTAX.search(address or ""))


def validate_plain_address(address):
    """Form validator: refuse quoted local parts, which would multiply one inbox."""
    if has_quoted_local_part(address):
        raise ValidationError(quoted_address_message, code="quoted_address")
