"""The moderation policy: what happens to a new post. A pure function of its inputs.

`decide()` sees the author's facts, the text and the picture description (shown to everyone as
well), the article and the site's rules, and returns a status, the reasons, and the text and
description to store (watched words may be masked). Loading the rules and the author's history
from the database is the caller's job (`load_rules`, `author_facts`). What counts as a link is
what the thread shows as one (`comments.text.link_targets`).
"""

import ipaddress
import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext_noop

from accounts.addresses import inbox_of
from comments import reasons as why
from comments.models import Comment
from comments.text import link_targets

# The outcomes are statuses a post takes (one source: Comment.Status).
PUBLISHED = Comment.Status.PUBLISHED
PENDING = Comment.Status.PENDING
REJECTED = Comment.Status.REJECTED

# Letters people swap in to slip past filters, folded back to the letter they imitate.
_LOOKALIKES = str.maketrans(
    {
        "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s",
        "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "х": "x",
        "у": "y", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ɡ": "g",
    }
)  # fmt: skip


@dataclass(frozen=True)
class AuthorFacts:
    is_member: bool
    email: str
    ip: str = ""
    approved_posts: int = 0
    ban_reason: str = ""  # set when the author is banned or suspended now
    ban_until: object = None  # the end of a suspension (a datetime); None: banned for good


@dataclass(frozen=True)
class Rules:
    max_links: int = 2
    new_author_held_posts: int = 1
    trusted_after_approved: int = 3
    watched: tuple = ()  # (phrase, action) pairs; action is "reject", "hold" or "mask"
    blocked_emails: frozenset = frozenset()  # inboxes (accounts.addresses.inbox_of)
    blocked_domains: frozenset = frozenset()
    blocked_networks: tuple = ()  # ipaddress networks


@dataclass(frozen=True)
class Decision:
    status: str
    reasons: list = field(default_factory=list)
    text: str = ""
    # What the author is told when the post is refused; neutral on purpose. Marked for
    # translation here, translated where it is shown (the policy knows no request).
    message: str = ""
    alt: str = ""  # the picture description to store
    crisis: str = ""  # why the post may come from someone in crisis (comments/crisis.py)
    until: object = None  # for a suspended author: when they may post again (in `message`)


def decide(*, author, text, article, rules, alt=""):
    """The policy. Refusals first, then what makes a post wait, then masking. The picture
    description (`alt`) is judged with the text: readers see both."""
    if author.ban_reason:
        return Decision(
            REJECTED,
            [why.banned(author.ban_reason)],
            text,
            gettext_noop("You are suspended from posting until %(until)s.")
            if author.ban_until
            else gettext_noop("You can no longer post comments on this site."),
            alt,
            until=author.ban_until,
        )
    if not getattr(article, "comments_open", True):
        return Decision(
            REJECTED,
            [why.COMMENTS_CLOSED],
            text,
            gettext_noop("Comments are closed on this article."),
            alt,
        )
    blocked = _blocked_reason(author, rules)
    if blocked:
        return Decision(
            REJECTED, [blocked], text, gettext_noop("Your post could not be published."), alt
        )

    # Crisis phrases first, on the words as written: a person in crisis is held for a
    # moderator, never refused by another phrase nor masked out of sight.
    reasons = [
        why.crisis_phrase(phrase)
        for phrase, action in rules.watched
        if action == "crisis" and (find_phrase(text, phrase) or find_phrase(alt, phrase))
    ]
    crisis = reasons[0] if reasons else ""
    for phrase, action in rules.watched:
        spans, alt_spans = find_phrase(text, phrase), find_phrase(alt, phrase)
        if action == "crisis" or not (spans or alt_spans):
            continue
        reason = why.watched_phrase(phrase) if spans else why.watched_phrase_in_description(phrase)
        if action == "reject" and not crisis:
            return Decision(
                REJECTED, [reason], text, gettext_noop("Your post could not be published."), alt
            )
        if action in ("reject", "hold"):
            reasons.append(reason)
        else:
            text, alt = _mask(text, spans), _mask(alt, alt_spans)
    is_trusted = author.approved_posts >= rules.trusted_after_approved
    links = len(link_targets(text)) + len(link_targets(alt))
    if links > rules.max_links and not is_trusted:
        reasons.append(why.links(links, rules.max_links))
    if author.approved_posts < rules.new_author_held_posts:
        reasons.append(why.NEW_AUTHOR)
    return Decision(PENDING if reasons else PUBLISHED, reasons, text, alt=alt, crisis=crisis)


def _blocked_reason(author, rules):
    email = author.email.casefold()
    if email and inbox_of(email) in rules.blocked_emails:  # spam+1@ is spam@
        return why.BLOCKED_EMAIL
    domain = email.rpartition("@")[2]
    if domain and any(domain == d or domain.endswith("." + d) for d in rules.blocked_domains):
        return why.BLOCKED_DOMAIN
    if author.ip:
        try:
            address = ipaddress.ip_address(author.ip)
        except ValueError:
            return ""
        if any(address in network for network in rules.blocked_networks):
            return why.BLOCKED_NETWORK
    return ""


def _fold(text):
    """Lower-case, accent-free, look-alikes undone; with each folded char's original index."""
    folded, origin = [], []
    for index, char in enumerate(text):
        plain = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        )
        for out in plain.casefold().translate(_LOOKALIKES):
            folded.append(out)
            origin.append(index)
    return "".join(folded), origin


def _phrase_pattern(phrase):
    folded, _ = _fold(phrase)
    words = [w for w in re.split(r"\W+", folded) if w]
    # Letters may be split by spaces or punctuation ("s p a m", "s.p.a.m"); words must be whole.
    word_patterns = [r"[\W_]*".join(re.escape(ch) for ch in word) for word in words]
    return re.compile(r"(?<![^\W_])" + r"[\W_]+".join(word_patterns) + r"(?![^\W_])")


def find_phrase(text, phrase):
    """Spans of `text` (original positions) where the watched `phrase` appears."""
    if not phrase.strip():
        return []
    folded, origin = _fold(text)
    return [
        (origin[m.start()], origin[m.end() - 1] + 1)
        for m in _phrase_pattern(phrase).finditer(folded)
        if m.end() > m.start()
    ]


def _mask(text, spans):
    chars = list(text)
    for start, end in spans:
        for i in range(start, end):
            if chars[i].isalnum():
                chars[i] = "*"
    return "".join(chars)


def parse_network(value):
    try:
        return ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return None
