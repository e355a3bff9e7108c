"""Addresses whose next part is a secret of its own (a reset key, a confirmation token, an
unsubscribe key that also opens a guest's data): logs and stored mails keep the secret's name
instead, so neither holds a usable link. Matched in any case and with doubled slashes, as a
mangled link still reaches its view or leaves its key in a 404's log line."""

import re

SECRET_PATHS = [
    ("/subscribe/confirm/", "token"),
    ("/unsubscribe/", "key"),
    ("/comments/replies-off/", "token"),
    ("/comments/appeal/", "token"),
    ("/accounts/confirm-email/", "key"),
    ("/accounts/password/reset/key/", "key"),
    ("/account/authenticator-setup/", "token"),
]
_KEPT = {"done"}  # /accounts/password/reset/key/done/ names no secret


def _pattern(prefix):
    return "/+".join(re.escape(part) for part in prefix.split("/"))


_SECRET = re.compile(
    "(?:"
    + "|".join(f"(?P<p{i}>{_pattern(prefix)})" for i, (prefix, _) in enumerate(SECRET_PATHS))
    + r")(?P<secret>[^/\s\"'<>&]+)",
    re.IGNORECASE,
)


def _hide(text, template):
    def named(match):
        if match["secret"].lower() in _KEPT:
            return match.group(0)
        index = next(i for i in range(len(SECRET_PATHS)) if match[f"p{i}"] is not None)
        prefix, name = match[f"p{index}"], SECRET_PATHS[index][1]
        return prefix + template.format(name)

    return _SECRET.sub(named, text)


def hide_in_path(path):
    """The path with its secret part replaced by its name: /unsubscribe/<key>/."""
    return _hide(path, "<{}>")


def hide_in_text(text):
    """Every secret link in a text (a mail's text, HTML or headers, a log message), with its
    secret part named: /unsubscribe/[key]/."""
    return _hide(text, "[{}]")
