"""Addresses whose next part is a secret of its own (a reset key, a confirmation token, an
unsubscribe key that also opens a guest's data): the request log and stored mails keep the
secret's name instead, so neither holds a usable link."""

import re

SECRET_PATHS = [
    ("/subscribe/confirm/", "token"),
    ("/unsubscribe/", "key"),
    ("/comments/replies-off/", "token"),
    ("/accounts/confirm-email/", "key"),
    ("/accounts/password/reset/key/", "key"),
    ("/account/authenticator-setup/", "token"),
]
_KEPT = {"done"}  # /accounts/password/reset/key/done/ names no secret

_IN_TEXT = re.compile(
    "(" + "|".join(re.escape(prefix) for prefix, _ in SECRET_PATHS) + r")([^/\s\"'<>&]+)"
)
_NAMES = dict(SECRET_PATHS)


def hide_in_path(path):
    """The path with its secret part replaced by its name. Matched by prefix, not by resolving
    the URL: a mangled link (a trailing space or ">" kept by a mail program) reaches no view,
    and its key is still somebody's."""
    for prefix, name in SECRET_PATHS:
        if path.startswith(prefix):
            part = path[len(prefix) :].split("/", 1)[0]
            if part and part not in _KEPT:
                return f"{prefix}<{name}>{path[len(prefix) + len(part) :]}"
    return path


def hide_in_text(text):
    """Every secret link in a mail's text, HTML or headers, with its secret part named."""

    def named(match):
        prefix, part = match.groups()
        return match.group(0) if part in _KEPT else f"{prefix}[{_NAMES[prefix]}]"

    return _IN_TEXT.sub(named, text)
