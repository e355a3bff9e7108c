"""Every article's thread as JSON, the way out of Kindred (docs/moving-to-kindred.md).

`import_comments` reads the file back (comments/import_formats.py). A post's id is the one it
came with (`Comment.import_key`) or "kindred:<this site's host>:<pk>", so importing a file
back into the site it came from, or twice into another, stores nothing twice.
"""

import datetime
import json
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

from articles.models import Article
from comments.import_formats import KINDRED_FORMAT, KINDRED_VERSION
from comments.models import Comment


def export_threads(write, *, include_all=False):
    """Write the export through `write` (a text stream's), one article at a time (one query each);
    only published posts unless `include_all`. Returns (articles, posts) written."""
    site = settings.SITE_URL.rstrip("/")
    head = {
        "format": KINDRED_FORMAT,
        "version": KINDRED_VERSION,
        "site": site,
        "exported_at": _iso(timezone.now()),
        "statuses": "all" if include_all else "published",
    }
    write(json.dumps(head, ensure_ascii=False)[:-1] + ', "articles": [')
    with_posts = Article.objects.filter(pk__in=Comment.objects.values("article_id"))
    articles = posts = 0
    for article in with_posts.order_by("pk").iterator():
        thread = _thread(article, site, include_all)
        if not thread["comments"]:
            continue
        write(("\n" if not articles else ",\n") + json.dumps(thread, ensure_ascii=False))
        articles += 1
        posts += len(thread["comments"])
    write("\n]}\n")
    return articles, posts


def _thread(article, site, include_all):
    host = urlsplit(site).netloc
    every = list(
        Comment.objects.filter(article=article)
        .select_related("author_user", "author_subscriber")
        .order_by("created_at", "pk")
    )
    by_pk = {c.pk: c for c in every}
    shown = [c for c in every if include_all or c.is_published]
    shown_pks = {c.pk for c in shown}

    def source_id(comment):
        return comment.import_key or f"kindred:{host}:{comment.pk}"

    def parent_of(comment):
        """The nearest ancestor in the file: a reply to a post left out hangs under it."""
        parent = by_pk.get(comment.parent_id)
        while parent is not None and parent.pk not in shown_pks:
            parent = by_pk.get(parent.parent_id)
        return source_id(parent) if parent is not None else None

    return {
        "slug": article.slug,
        "url": site + article.get_absolute_url(),
        "title": article.title,
        "comments": [
            {
                "id": source_id(c),
                "parent": parent_of(c),
                "created_at": _iso(c.created_at),
                "status": c.status,
                "author": _author(c),
                "text": c.body,
                "members_only": c.members_only,
                "had_picture": bool(c.image),
            }
            for c in shown
        ],
    }


def _author(comment):
    if comment.author_user_id:
        user = comment.author_user
        return {"name": user.display_name, "email": user.email, "member": True}
    if comment.author_subscriber_id:
        subscriber = comment.author_subscriber
        return {"name": subscriber.name, "email": subscriber.email, "member": False}
    return {"name": "", "email": "", "member": False}


def _iso(when):
    return when.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
