"""Reading other sites' comment exports: Disqus XML, WordPress WXR, and Kindred's own JSON.

Each reader turns a file into `SourcePost`s, in the file's order, streaming: XML is read with
defusedxml's iterparse, one element at a time, and a file that declares a DTD or entities (an
entity bomb, an external entity) is refused before anything is read from it. Posts' HTML
becomes plain text here (comments.text.text_from_html); what the text may become on the page
is decided where it is stored (comments/importing.py), as for any post.
"""

import datetime
import json
from dataclasses import dataclass
from urllib.parse import urlsplit

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, iterparse

from comments.text import clean_comment_text, text_from_html

FORMATS = ("disqus", "wordpress", "kindred")
KINDRED_FORMAT = "kindred-comments"
KINDRED_VERSION = 1

# What became of a post on the old site.
APPROVED, PENDING, SPAM, DELETED, REJECTED = "approved", "pending", "spam", "deleted", "rejected"


class ExportError(Exception):
    """The file cannot be read as the export it claims to be; the message says why."""


@dataclass(frozen=True)
class Place:
    """Where posts were written on the old site: one page (a Disqus thread, a WordPress post)."""

    key: str
    title: str = ""
    url: str = ""
    slug: str = ""


@dataclass(frozen=True)
class SourcePost:
    key: str  # unique among every source: "disqus:<id>", "wordpress:<site>:<id>", ...
    parent_key: str  # "" at the top of a thread
    place: Place
    author_name: str
    author_email: str
    created_at: datetime.datetime
    state: str  # APPROVED, PENDING, SPAM, DELETED or REJECTED
    text: str  # plain text
    ip: str = ""
    members_only: bool = False
    kind: str = "comment"  # WordPress also exports pingbacks and trackbacks


def detect(path):
    """The export's format from its first bytes, or "" when it is none we read."""
    with open(path, "rb") as source:
        head = source.read(4096)
    text = head.decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    if text.startswith("{"):
        return "kindred"
    if "<disqus" in text:
        return "disqus"
    if "wordpress.org/export/" in text:
        return "wordpress"
    return ""


def read(path, file_format, progress=None):
    """The posts of the export at `path`. `progress(done_bytes, total_bytes)` is called now and
    then while XML is read."""
    readers = {"disqus": _read_disqus, "wordpress": _read_wordpress, "kindred": _read_kindred}
    return readers[file_format](path, progress or (lambda done, total: None))


def _local(tag):
    return tag.rpartition("}")[2]


def _child(element, name):
    for child in element:
        if _local(child.tag) == name:
            return child
    return None


def _text(element, name):
    child = _child(element, name)
    return (child.text or "").strip() if child is not None else ""


def _attribute(element, name):
    for key, value in element.attrib.items():
        if _local(key) == name:
            return value
    return ""


def _elements(path, depth, progress):
    """The elements `depth` levels under the root, each complete, then forgotten (a large
    export is never held whole)."""
    with open(path, "rb") as source:
        total = max(source.seek(0, 2), 1)
        source.seek(0)
        open_elements, seen = [], 0
        try:
            for event, element in iterparse(
                source, events=("start", "end"), forbid_dtd=True, forbid_entities=True
            ):
                if event == "start":
                    open_elements.append(element)
                    continue
                open_elements.pop()
                if len(open_elements) == depth:
                    yield element
                    seen += 1
                    if seen % 100 == 0:
                        progress(source.tell(), total)
                    open_elements[-1].remove(element)
            progress(total, total)
        except DefusedXmlException as refused:
            raise ExportError(
                "The file declares a DTD or entities, which no comment export needs "
                f"(refused as unsafe: {refused.__class__.__name__})."
            ) from None
        except ParseError as error:
            raise ExportError(f"The file is not well-formed XML: {error}.") from None


def _date(value, *, source):
    """An aware datetime from an ISO 8601 date (naive ones are UTC), or an ExportError."""
    value = value.strip().replace("Z", "+00:00")
    try:
        when = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise ExportError(
            f"A post in the {source} export has an unreadable date: {value!r}."
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    return when


def _true(value):
    return value.strip().lower() in ("true", "1", "yes")


# Disqus: <thread dsq:id> elements (the pages) first, then <post dsq:id> elements, each
# naming its thread and, for a reply, its parent post.
def _read_disqus(path, progress):
    places = {}
    for element in _elements(path, 1, lambda done, total: None):
        if _local(element.tag) == "thread":
            key = _attribute(element, "id")
            places[key] = Place(
                key=f"disqus-thread:{key}",
                title=_text(element, "title"),
                url=_text(element, "link"),
                slug=_text(element, "id"),  # the page's identifier on the old site
            )
    for element in _elements(path, 1, progress):
        if _local(element.tag) != "post":
            continue
        thread, parent, author = (_child(element, n) for n in ("thread", "parent", "author"))
        thread_key = _attribute(thread, "id") if thread is not None else ""
        if _true(_text(element, "isSpam")):
            state = SPAM
        elif _true(_text(element, "isDeleted")):
            state = DELETED
        elif _text(element, "isApproved") and not _true(_text(element, "isApproved")):
            state = PENDING
        else:
            state = APPROVED
        yield SourcePost(
            key=f"disqus:{_attribute(element, 'id')}",
            parent_key=f"disqus:{_attribute(parent, 'id')}" if parent is not None else "",
            place=places.get(thread_key, Place(key=f"disqus-thread:{thread_key}")),
            author_name=_text(author, "name") if author is not None else "",
            author_email=_text(author, "email") if author is not None else "",
            created_at=_date(_text(element, "createdAt"), source="Disqus"),
            state=state,
            text=text_from_html(_text(element, "message"), keeps_line_breaks=False),
            ip=_text(element, "ipAddress"),
        )


# WordPress (WXR): an RSS channel whose <item>s are posts and pages, each holding its
# <wp:comment>s; comment ids are the old site's, so the site's address is part of each key.
_WORDPRESS_STATES = {"1": APPROVED, "0": PENDING, "spam": SPAM, "trash": DELETED}


def _read_wordpress(path, progress):
    site = ""
    for element in _elements(path, 2, progress):
        name = _local(element.tag)
        if name in ("base_site_url", "link") and not site:
            site = urlsplit((element.text or "").strip()).netloc or (element.text or "").strip()
        if name != "item":
            continue
        place_id = _text(element, "post_id")
        place = Place(
            key=f"wordpress-post:{site}:{place_id}",
            title=_text(element, "title"),
            url=_text(element, "link"),
            slug=_text(element, "post_name"),
        )
        for comment in element:
            if _local(comment.tag) != "comment":
                continue
            parent = _text(comment, "comment_parent")
            gmt, local = _text(comment, "comment_date_gmt"), _text(comment, "comment_date")
            yield SourcePost(
                key=f"wordpress:{site}:{_text(comment, 'comment_id')}",
                parent_key=f"wordpress:{site}:{parent}" if parent not in ("", "0") else "",
                place=place,
                author_name=_text(comment, "comment_author"),
                author_email=_text(comment, "comment_author_email"),
                # An old WordPress leaves the UTC date empty (zeros): the site's time stands in.
                created_at=_date(
                    gmt if gmt and not gmt.startswith("0000") else local, source="WordPress"
                ),
                state=_WORDPRESS_STATES.get(_text(comment, "comment_approved"), DELETED),
                # WordPress keeps the text as typed, with line breaks, and some HTML in it.
                text=text_from_html(_text(comment, "comment_content")),
                ip=_text(comment, "comment_author_IP"),
                kind=_text(comment, "comment_type") or "comment",
            )


# Kindred's own export (docs/moving-to-kindred.md): JSON, text already plain.
_KINDRED_STATES = {
    "published": APPROVED,
    "pending": PENDING,
    "awaiting": PENDING,
    "rejected": REJECTED,
    "spam": SPAM,
    "removed": DELETED,
}


def _read_kindred(path, progress):
    try:
        with open(path, encoding="utf-8-sig") as source:
            data = json.load(source)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ExportError(f"The file is not readable JSON: {error}.") from None
    if not isinstance(data, dict) or data.get("format") != KINDRED_FORMAT:
        raise ExportError(
            f'The JSON file is not a Kindred export (no "format": "{KINDRED_FORMAT}").'
        )
    if data.get("version") != KINDRED_VERSION:
        raise ExportError(
            f"The Kindred export has version {data.get('version')!r}; this site reads "
            f"version {KINDRED_VERSION}."
        )
    articles = data.get("articles") or []
    for number, article in enumerate(articles, 1):
        place = Place(
            key=f"kindred-article:{article.get('url') or article.get('slug')}",
            title=str(article.get("title") or ""),
            url=str(article.get("url") or ""),
            slug=str(article.get("slug") or ""),
        )
        for post in article.get("comments") or []:
            try:
                author = post.get("author") or {}
                yield SourcePost(
                    key=str(post["id"]),
                    parent_key=str(post.get("parent") or ""),
                    place=place,
                    author_name=str(author.get("name") or ""),
                    author_email=str(author.get("email") or ""),
                    created_at=_date(str(post["created_at"]), source="Kindred"),
                    state=_KINDRED_STATES.get(post.get("status"), DELETED),
                    text=clean_comment_text(str(post.get("text") or "")),
                    members_only=bool(post.get("members_only")),
                )
            except (KeyError, AttributeError, TypeError):
                raise ExportError(
                    f"A post under {place.url or place.slug!r} lacks its id or created_at."
                ) from None
        progress(number, len(articles))
