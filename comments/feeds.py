"""Atom feeds of the conversation: one article's published posts, and the site's latest.

A feed is read by anyone, so it holds exactly what an anonymous reader of the thread sees:
published posts, not for members only, on live articles, in a thread whose top-level post (and
whose direct parent) anyone may read too. With COMMENTS_READ_GATE on, anonymous readers see no
thread at all, so there is no feed either (404). Authors are named by display name only (no
`item_author_email`), the text is the post's own, escaped, and a sensitive picture is never
shown: the item says there is one, at the post's address.
"""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape, format_html, linebreaks
from django.utils.translation import gettext

from articles.models import Article
from comments.models import Comment

ITEMS = 30
_PUBLISHED = Comment.Status.PUBLISHED
# What an item shows of a post and its article; the rest of the rows is not fetched.
_SHOWN_FIELDS = (
    *("body", "created_at", "edited_at", "image", "image_thumb", "image_alt"),
    *("is_picture_sensitive", "status", "members_only", "author_user_id", "author_subscriber_id"),
    # The article's title as this reader is shown it (articles/translation.py): each language's.
    *(f"article__title_{code}" for code, _name in settings.LANGUAGES),
    *("article__reviewed_translations", "article__slug"),
    *("author_user__display_name", "author_subscriber__name"),
)


def public_posts():
    """Posts anyone may read in the thread: published, not for members only, on a live
    article, under a top-level post and a parent that anyone may read as well."""
    public = Q(status=_PUBLISHED, members_only=False)
    return (
        Comment.objects.filter(public, article__in=Article.objects.published())
        .filter(Q(root=None) | Q(root__status=_PUBLISHED, root__members_only=False))
        .filter(Q(parent=None) | Q(parent__status=_PUBLISHED, parent__members_only=False))
        .select_related("article", "author_user", "author_subscriber")
        .only(*_SHOWN_FIELDS)
        .order_by("-created_at", "-pk")
    )


def _absolute(url):
    return url if url.startswith(("http://", "https://")) else settings.SITE_URL + url


class _CommentsFeed(Feed):
    feed_type = Atom1Feed

    def __call__(self, request, *args, **kwargs):
        if settings.COMMENTS_READ_GATE:
            raise Http404("The conversation is for people who shared name and email.")
        return super().__call__(request, *args, **kwargs)

    def item_title(self, item):
        return gettext("%(name)s on “%(article)s”") % {
            "name": item.author_name,
            "article": item.article.title,
        }

    def item_description(self, item):
        """HTML for the feed reader: the post's text escaped (line breaks kept), and its
        picture unless it is sensitive."""
        html = linebreaks(escape(item.body)) if item.body else ""
        if not item.image_thumb:
            return html
        if item.is_picture_sensitive:
            note = gettext("A sensitive picture: open the post to see it.")
            return html + format_html("<p><em>{}</em></p>", note)
        return html + format_html(
            '<p><img src="{}" alt="{}"></p>', _absolute(item.thumb_url), item.image_alt
        )

    def item_link(self, item):
        return _absolute(item.get_absolute_url())

    def item_author_name(self, item):
        return item.author_name  # a display name or the name a guest shared; never an address

    def item_pubdate(self, item):
        return item.created_at

    def item_updateddate(self, item):
        return item.edited_at or item.created_at


class ArticleCommentsFeed(_CommentsFeed):
    """/articles/<slug>/comments/feed/: the latest published posts under one article."""

    def get_object(self, request, slug):
        return get_object_or_404(Article.objects.published().only("title", "slug"), slug=slug)

    def title(self, article):
        return gettext("%(site)s: comments on “%(article)s”") % {
            "site": settings.SITE_NAME,
            "article": article.title,
        }

    def subtitle(self, article):
        return gettext("The latest posts in the conversation under this article.")

    def link(self, article):
        return _absolute(article.get_absolute_url())

    def items(self, article):
        return public_posts().filter(article=article)[:ITEMS]


class LatestCommentsFeed(_CommentsFeed):
    """/comments/feed/: the latest published posts under every article."""

    def title(self):
        return gettext("%(site)s: latest comments") % {"site": settings.SITE_NAME}

    def subtitle(self):
        return gettext("The latest posts in the conversations under our articles.")

    def link(self):
        return settings.SITE_URL + "/"

    def items(self):
        return public_posts()[:ITEMS]
