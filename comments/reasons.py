"""Why a post waits (Comment.moderation_reasons) and what a moderator did (the audit log's
ModerationAction.action): stored in English, as the code writes them, and shown to moderators
in their own language.

The stored words are data: rows written before a translation existed, exports and the tests
read them as they are. So they are written here (the fixed ones marked with gettext_noop, the
ones with a value made by the functions below) and translated where they are shown (`shown`,
`action_shown`); words this module does not know are shown as they were stored.
"""

import re

from django.utils.translation import gettext, gettext_noop, ngettext, pgettext_lazy

# --- Why a post waits (or was refused) --------------------------------------------------------

COMMENTS_CLOSED = gettext_noop("comments are closed")
BLOCKED_EMAIL = gettext_noop("blocked email address")
BLOCKED_DOMAIN = gettext_noop("blocked email domain")
BLOCKED_NETWORK = gettext_noop("blocked IP network")
NEW_AUTHOR = gettext_noop("new author: first posts are reviewed")
EDITED = gettext_noop("edited after it was sent")
PICTURE_FROM_ANOTHER_BROWSER = gettext_noop("picture confirmed from another browser")
HIDDEN_IN_CRISIS = gettext_noop("hidden by a moderator: a possible crisis")
IMPORTED_APPROVED = gettext_noop("imported: approved on the old site")
IMPORTED_WAITING = gettext_noop("imported: waiting for review on the old site")


def banned(reason):
    return f"author is banned: {reason}"


def crisis_phrase(phrase):
    return f"crisis phrase: contains the watched phrase “{phrase}”"


def watched_phrase(phrase):
    return f"contains the watched phrase “{phrase}”"


def watched_phrase_in_description(phrase):
    return f"the picture description contains the watched phrase “{phrase}”"


def links(count, most):
    return f"{count} links (more than {most})"


def reported(readers):
    return f"reported by {readers} readers"


def _banned(found):
    # Translators: why a post was refused; the reason is the moderator's own words.
    return gettext("author is banned: %(reason)s") % found


def _crisis_phrase(found):
    # Translators: why a post waits; the phrase is one of the site's watched phrases.
    return gettext("crisis phrase: contains the watched phrase “%(phrase)s”") % found


def _watched_phrase(found):
    return gettext("contains the watched phrase “%(phrase)s”") % found


def _watched_phrase_in_description(found):
    return gettext("the picture description contains the watched phrase “%(phrase)s”") % found


def _links(found):
    count = int(found["count"])
    return ngettext(
        "%(count)s link (more than %(most)s)", "%(count)s links (more than %(most)s)", count
    ) % {"count": count, "most": found["most"]}


def _reported(found):
    readers = int(found["readers"])
    return ngettext(
        "reported by %(readers)s reader", "reported by %(readers)s readers", readers
    ) % {"readers": readers}


# The reasons with a value in them: what they look like stored, and how each is shown.
_WITH_VALUES = [
    (re.compile(r"author is banned: (?P<reason>.*)", re.S), _banned),
    (
        re.compile(r"crisis phrase: contains the watched phrase “(?P<phrase>.*)”", re.S),
        _crisis_phrase,
    ),
    (
        re.compile(r"the picture description contains the watched phrase “(?P<phrase>.*)”", re.S),
        _watched_phrase_in_description,
    ),
    (re.compile(r"contains the watched phrase “(?P<phrase>.*)”", re.S), _watched_phrase),
    (re.compile(r"(?P<count>\d+) links \(more than (?P<most>\d+)\)"), _links),
    (re.compile(r"reported by (?P<readers>\d+) readers"), _reported),
]


def shown(reason):
    """A stored reason in the active language (as stored when it is none of ours)."""
    reason = str(reason)
    for pattern, show in _WITH_VALUES:
        found = pattern.fullmatch(reason)
        if found:
            return show(found.groupdict())
    return gettext(reason) if reason else reason


# --- What a moderator did (the audit log) -----------------------------------------------------

# Translators: what a moderator did, in the audit log's "action" column.
ACTIONS = {
    "approve": pgettext_lazy("audit log", "approve"),
    "reject": pgettext_lazy("audit log", "reject"),
    "mark spam": pgettext_lazy("audit log", "mark spam"),
    "members only": pgettext_lazy("audit log", "members only"),
    "shown to everyone": pgettext_lazy("audit log", "shown to everyone"),
    "pin": pgettext_lazy("audit log", "pin"),
    "unpin": pgettext_lazy("audit log", "unpin"),
    "dismiss reports": pgettext_lazy("audit log", "dismiss reports"),
    "crisis: hidden": pgettext_lazy("audit log", "crisis: hidden"),
    "crisis: members only": pgettext_lazy("audit log", "crisis: members only"),
    "picture: sensitive": pgettext_lazy("audit log", "picture: sensitive"),
    "picture: not sensitive": pgettext_lazy("audit log", "picture: not sensitive"),
    "ban": pgettext_lazy("audit log", "ban"),
    "suspend": pgettext_lazy("audit log", "suspend"),
    "lift ban": pgettext_lazy("audit log", "lift ban"),
    "hide (author banned)": pgettext_lazy("audit log", "hide (author banned)"),
    "reject (author banned)": pgettext_lazy("audit log", "reject (author banned)"),
    "edit": pgettext_lazy("audit log", "edit"),
    "note added": pgettext_lazy("audit log", "note added"),
    "note changed": pgettext_lazy("audit log", "note changed"),
    "note removed": pgettext_lazy("audit log", "note removed"),
    "appeal sent": pgettext_lazy("audit log", "appeal sent"),
    "appeal: restored": pgettext_lazy("audit log", "appeal: restored"),
    "appeal: upheld": pgettext_lazy("audit log", "appeal: upheld"),
    # Written by accounts/profiles.py.
    "verify profession": pgettext_lazy("audit log", "verify profession"),
    "revoke profession": pgettext_lazy("audit log", "revoke profession"),
}


def action_shown(action):
    """An audit log entry's action in the active language (as stored when it is none of ours)."""
    label = ACTIONS.get(action)
    return str(label) if label is not None else action
