"""The comment thread under an article: who may read it, and the nested tree to show.

The number of queries is the same for ten comments or a thousand: one count, one page of
top-level comments (plus the paginator's count), one query for all their replies, and for a
member one query for their hugs.
"""

import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from articles.page_sections import Section
from comments.forms import CommentForm, form_started_token
from comments.models import Comment, Hug
from comments.posting import author_for, can_edit

ORDER_COOKIE = "comment_order"
ORDERS = {"newest": ("-created_at", "-pk"), "oldest": ("created_at", "pk")}


@dataclass
class Node:
    comment: Comment
    children: list = field(default_factory=list)
    replying_to: str = ""  # set when shown at a shallower level than its real parent
    is_own: bool = False
    can_edit: bool = False
    has_hugged: bool = False
    # What the viewer may do with it, decided here once rather than in the template.
    can_hug: bool = False
    can_report: bool = False
    can_reply: bool = False

    @property
    def face_key(self):
        """Everything the viewer-independent part of the comment shows (its fragment's key)."""
        c = self.comment
        return (
            c.pk,
            c.created_at,
            c.status,
            c.edited_at,
            c.body_html,
            c.author_name,
            c.author_user_id,
            c.author_subscriber_id,
            self.replying_to,
            c.image.name,
            c.image_alt,
        )


def reading_order(request):
    order = request.GET.get("order") or request.COOKIES.get(ORDER_COOKIE)
    return order if order in ORDERS else "newest"


def can_read(request, author):
    return author is not None or not settings.COMMENTS_READ_GATE


# Where a comment's id goes in the reply form, which is rendered once per page, not per comment.
# Random per process, so no slug, name or text on the page can contain it.
REPLY_MARK = f"reply-parent-{secrets.token_hex(16)}"


# The same for URLs: each comment's links are one reversed URL with its id filled in.
ID_MARK = 10**17 + secrets.randbelow(10**17)


def _comment_urls():
    return {
        name: reverse(f"comments:{name}", args=[ID_MARK])
        for name in ("hug", "edit", "delete", "report")
    }


def thread_section(request, article):
    """The article page's comment section (registered in CommentsConfig.ready)."""
    author = author_for(request)
    published_count = Comment.objects.filter(
        article=article, status=Comment.Status.PUBLISHED
    ).count()
    context = {
        **_comment_parts(request, article, author),
        "count": published_count,
        "can_read": can_read(request, author),
        "order": reading_order(request),
        "is_open": article.comments_open,
    }
    if context["can_read"]:
        context.update(_thread(request, article, author, context["order"]))
    if author is not None and article.comments_open:
        context["form"] = CommentForm(prefix=None, auto_id="new-comment-%s")
    return Section("comments/_thread.html", context)


def _comment_parts(request, article, author):
    """What comments/_comment.html needs besides the comment: made once per page."""
    parts = {
        "article": article,
        "author": author,
        "started": form_started_token(),
        "max_length": settings.COMMENTS_MAX_LENGTH,
        "minute": timezone.now().strftime("%Y%m%d%H%M"),  # "5 minutes ago" is right to the minute
        "urls": _comment_urls(),
    }
    if author is not None and article.comments_open:
        parts["reply_form"] = render_to_string(
            "comments/_comment_form.html",
            {
                **parts,
                "form": None,
                "form_id": "reply-",
                "parent_id": REPLY_MARK,
                "label": "Your reply",
            },
            request=request,
        )
    return parts


def render_one(request, comment, author):
    """One comment as it appears in the thread (for posting in place with JavaScript)."""
    parts = _comment_parts(request, comment.article, author)
    node = _node(comment, author, set(), comment.article)
    return render_to_string(
        "comments/_comment.html",
        {**parts, "node": node, "section": parts},
        request=request,
    )


def _thread(request, article, author, order):
    visible = Comment.objects.visible_to(
        user=author.user if author else None,
        guest_key=author.guest_key if author else "",
    ).select_related("author_user", "author_subscriber")
    top_level = visible.filter(article=article, parent=None).order_by(*ORDERS[order])
    paginator = Paginator(top_level, settings.COMMENTS_PER_PAGE)
    page = paginator.get_page(request.GET.get("cpage"))
    roots = list(page.object_list)
    replies = list(visible.filter(root__in=roots).order_by("created_at", "pk")) if roots else []
    hugged = set()
    if author is not None and author.is_member and roots:
        hugged = set(
            Hug.objects.filter(user=author.user, comment__in=roots + replies).values_list(
                "comment_id", flat=True
            )
        )
    nodes = {c.pk: _node(c, author, hugged, article) for c in roots + replies}
    deepest = settings.COMMENTS_DISPLAY_DEPTH - 1
    for reply in replies:
        shown_under = nodes.get(reply.parent_id)
        real_parent = shown_under
        while shown_under is not None and shown_under.comment.depth > deepest - 1:
            shown_under = nodes.get(shown_under.comment.parent_id)
        if shown_under is None:
            continue  # its branch is hidden (waiting or rejected)
        if real_parent is not shown_under:
            nodes[reply.pk].replying_to = real_parent.comment.author_name
        shown_under.children.append(nodes[reply.pk])
    return {
        "nodes": [nodes[c.pk] for c in roots],
        "page": page,
        "is_paginated": paginator.num_pages > 1,
    }


def _node(comment, author, hugged, article):
    is_own = author is not None and comment.is_by(author.user, author.guest_key)
    others_published = author is not None and comment.is_published and not is_own
    return Node(
        comment=comment,
        is_own=is_own,
        can_edit=is_own and can_edit(comment),
        has_hugged=comment.pk in hugged,
        can_hug=others_published and author.is_member,
        can_report=others_published,
        can_reply=author is not None and comment.is_published and article.comments_open,
    )
