"""Render an article's Markdown body to HTML that is safe to show (sanitized with nh3)."""

import markdown as markdown_lib
import nh3

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "dl", "dt", "em", "h2", "h3", "h4",
    "hr", "i", "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody", "td", "th",
    "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "th": {"scope"},
}


def render_markdown(text):
    """Markdown in, sanitized HTML out: no script, no event handlers, no javascript: links."""
    html = markdown_lib.markdown(
        text or "", extensions=["extra", "sane_lists"], output_format="html"
    )
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener",
    )


def plain_excerpt(text, length=100):
    """A short one-line excerpt of Markdown text for lists, cut on a word boundary."""
    plain = nh3.clean(markdown_lib.markdown(text or ""), tags=set()).replace("\n", " ")
    plain = " ".join(plain.split())
    if len(plain) <= length:
        return plain
    return plain[:length].rsplit(" ", 1)[0].rstrip(",;:—-") + "…"
