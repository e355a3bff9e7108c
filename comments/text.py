"""Comment text is plain: escaped, line breaks kept, web addresses made into safe links."""

import re

import nh3
from django.utils.html import escape, linebreaks, urlize

# Characters that reorder or hide text (right-to-left overrides and friends) are removed, so
# a post cannot display differently from what it says.
_BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")


def clean_comment_text(text):
    text = _BIDI_CONTROLS.sub("", text or "")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.strip()


def render_comment_text(text):
    """Plain text in, HTML out: paragraphs and line breaks, links with rel="nofollow ugc"."""
    html = linebreaks(urlize(escape(text), trim_url_limit=60, autoescape=False))
    return nh3.clean(
        html,
        tags={"p", "br", "a"},
        attributes={"a": {"href"}},
        url_schemes={"http", "https"},
        link_rel="nofollow ugc noopener",
    )


# The text is escaped before urlize runs, so every "<a" in the output is a link it made.
_LINK_TARGET = re.compile(r'<a\b[^>]*\bhref="([^"]*)"')


def link_targets(text):
    """Where the links in `text` lead, as readers will see them: the addresses that
    render_comment_text makes clickable (bare domains like pharma.org/buy too; not email
    addresses, which get no link). The moderation policy counts these, so the two never differ."""
    return _LINK_TARGET.findall(render_comment_text(text))
