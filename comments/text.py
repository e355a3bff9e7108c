"""Comment text is plain: escaped, line breaks kept, web addresses made into safe links."""

import re
from html.parser import HTMLParser

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


# What the text of an imported post keeps of its HTML: paragraphs, line breaks, list items,
# quotes, and where its links led. Everything else is dropped, and what scripts and styles
# hold is never text.
_BREAK_TAGS = {"br"}
_BLOCK_TAGS = {
    *("p", "div", "blockquote", "pre", "ul", "ol", "li", "table", "tr"),
    *("h1", "h2", "h3", "h4", "h5", "h6", "hr"),
}
_HIDDEN_TAGS = {"script", "style", "template", "iframe", "object", "embed", "noscript", "head"}


class _TextFromHTML(HTMLParser):
    def __init__(self, keeps_line_breaks):
        super().__init__(convert_charrefs=True)
        self.keeps_line_breaks = keeps_line_breaks
        self.parts = []
        self.hidden = 0
        self.links = []  # the open <a> tags' addresses, innermost last
        self.link_start = []

    def handle_starttag(self, tag, attrs):
        if tag in _HIDDEN_TAGS:
            self.hidden += 1
        elif tag in _BREAK_TAGS:
            self.parts.append("\n")
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")
        elif tag == "a":
            href = (dict(attrs).get("href") or "").strip()
            self.links.append(href if re.match(r"https?://", href, re.IGNORECASE) else "")
            self.link_start.append(len(self.parts))

    def handle_endtag(self, tag):
        if tag in _HIDDEN_TAGS:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")
        elif tag == "a" and self.links:
            href, start = self.links.pop(), self.link_start.pop()
            shown = "".join(self.parts[start:]).strip()
            if href and href.rstrip("/") != shown.rstrip("/"):
                # The address is written out: the thread makes it a link of its own kind.
                self.parts.append(f" ({href})" if shown else href)

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data if self.keeps_line_breaks else re.sub(r"\s+", " ", data))


def text_from_html(html, keeps_line_breaks=True):
    """Plain text from the HTML of a post written elsewhere (a Disqus or WordPress export):
    paragraphs and line breaks kept, a link's address written after its words, tags, scripts
    and styles gone. A line break in the source is one unless `keeps_line_breaks` is False
    (proper HTML, where only tags break lines; WordPress stores text as typed). Its HTML is
    never trusted: the text then goes the way of any post (clean_comment_text, the
    moderation policy, render_comment_text)."""
    parser = _TextFromHTML(keeps_line_breaks)
    parser.feed(html or "")
    parser.close()
    text = "".join(parser.parts).replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    lines = [re.sub(r"[ \t\f\v]+", " ", line).strip() for line in text.split("\n")]
    return clean_comment_text(re.sub(r"\n{3,}", "\n\n", "\n".join(lines)))
