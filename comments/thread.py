"""The comment thread under an article: who may read it, and the nested tree to show.

The number of queries is the same for ten comments or a thousand: one count, one page of
top-level comments (plus the paginator's count), one query for all their replies, and for a
member one query for their hugs.

Members mostly see the same thread: only their own posts and the ones they hugged look
different to them. So a page of the thread is rendered once for "any member" and kept in the
process under the page's stamp (kindred.freshness: it changes with every comment change, on
every server). Each member's page is then that rendering with their own actions, reply form and
CSRF token put in, and two queries: their waiting posts (if any, their page is rendered for
them alone) and their hugs.
"""

import collections
import re
import secrets
import threading
from dataclasses import dataclass, field

from django.conf import settings
from django.core.paginator import Paginator
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString

from articles.page_sections import Section
from comments.forms import CommentForm, form_started_token
from comments.models import Comment, Hug
from comments.posting import author_for, can_edit
from kindred import freshness, page_cache

ORDER_COOKIE = "comment_order"
ORDERS = {"newest": ("-created_at", "-pk"), "oldest": ("created_at", "pk")}
DEFAULT_ORDER = "newest"


@dataclass
class Node:
    comment: Comment
    children: list = field(default_factory=list)
    replying_to: str = ""  # set when shown at a shallower level than its real parent
    author_name: str = ""  # the name shown on it (_node)
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
            self.author_name,
            c.author_user_id,
            c.author_subscriber_id,
            self.replying_to,
            c.image.name,
            c.image_alt,
        )


def reading_order(request):
    order = request.GET.get("order") or request.COOKIES.get(ORDER_COOKIE)
    return order if order in ORDERS else DEFAULT_ORDER


def requested_page(request):
    """The comment page asked for: `cpage` when it is a plain number, else 1. Past the last
    page the paginator shows the last one."""
    cpage = request.GET.get("cpage", "")
    return int(cpage) if cpage.isascii() and cpage.isdigit() and len(cpage) <= 9 else 1


def _is_canonical(request, context):
    """Whether the address's `order` and `cpage` are the page's own: `order` only when the thread
    is shown and it is a known order other than the default, `cpage` only when the thread is
    shown and it is the number of the page shown (2 to the last page, as the page's links write
    it). Any other address shows a page that has a canonical address of its own, so it is not
    stored by the page cache: made-up values cannot fill it."""
    page = context.get("page")  # only when the thread is shown
    order, cpage = request.GET.get("order"), request.GET.get("cpage")
    if order is not None and (page is None or order not in ORDERS or order == DEFAULT_ORDER):
        return False
    return cpage is None or (page is not None and page.number > 1 and cpage == str(page.number))


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
    context = {
        **_comment_parts(request, article, author),
        "can_read": can_read(request, author),
        "order": reading_order(request),
        "is_open": article.comments_open,
    }
    shared = None
    if author is not None and author.is_member:
        shared = _members_thread(request, article, author, context)
    if shared is not None:
        context.update(shared)
    else:
        context["count"] = _published_count(article)
        if context["can_read"]:
            context.update(_thread(request, article, author, context["order"]))
            context["items_html"] = _render_items(context, request=request)
    if author is not None and article.comments_open:
        context["form"] = CommentForm(prefix=None, auto_id="new-comment-%s")
    if not _is_canonical(request, context):
        page_cache.not_canonical(request)
    return Section("comments/_thread.html", context)


def _published_count(article):
    return Comment.objects.filter(article=article, status=Comment.Status.PUBLISHED).count()


def _render_items(context, request=None, **extra):
    return render_to_string(
        "comments/_thread_items.html", {"section": context, **extra}, request=request
    )


def _comment_parts(request, article, author):
    """What comments/_comment.html needs besides the comment: made once per page."""
    parts = {
        "article": article,
        "author": author,
        "started": form_started_token(author),
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
    viewer = None if author is ANY_MEMBER else author
    visible = Comment.objects.visible_to(
        user=viewer.user if viewer else None,
        guest_key=viewer.guest_key if viewer else "",
    ).select_related("author_user", "author_subscriber")
    top_level = visible.filter(article=article, parent=None).order_by(*ORDERS[order])
    paginator = Paginator(top_level, settings.COMMENTS_PER_PAGE)
    page = paginator.get_page(requested_page(request))
    roots = list(page.object_list)
    replies = list(visible.filter(root__in=roots).order_by("created_at", "pk")) if roots else []
    hugged = set()
    if viewer is not None and viewer.is_member and roots:
        hugged = set(
            Hug.objects.filter(user=viewer.user, comment__in=roots + replies).values_list(
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
        "comments": {c.pk: c for c in roots + replies},
        "is_empty": not roots,
        "page": page,
        "is_paginated": paginator.num_pages > 1,
    }


# The viewer of the thread shared by members: a member who wrote and hugged none of it.
ANY_MEMBER = object()


def _node(comment, author, hugged, article):
    if author is ANY_MEMBER:
        is_member, is_own = True, False
    else:
        is_member = author is not None and author.is_member
        is_own = author is not None and comment.is_by(author.user, author.guest_key)
    others_published = author is not None and comment.is_published and not is_own
    author_name = comment.author_name
    if is_own and author.is_unproven_guest:
        # Its row's name may be the address owner's: this browser sees the name it typed.
        author_name = author.name
    return Node(
        comment=comment,
        author_name=author_name,
        is_own=is_own,
        can_edit=is_own and can_edit(comment),
        has_hugged=comment.pk in hugged,
        can_hug=others_published and is_member,
        can_report=others_published,
        can_reply=author is not None and comment.is_published and article.comments_open,
    )


# --- The thread shared by members ---------------------------------------------------------------

# Marks in the shared rendering, random per process like REPLY_MARK: where each comment's actions
# (`a`, with the ones any member gets) and its reply form (`r`) go, and the hug forms' CSRF token.
SLOT = f"slot{secrets.token_hex(12)}"
_SLOTS = re.compile(rf"<!--{SLOT}a(\d+)-->(.*?)<!--{SLOT}-->|<!--{SLOT}r(\d+)-->", re.DOTALL)
CSRF_MARK = f"csrf{secrets.token_hex(12)}"
WAITING = (Comment.Status.PENDING, Comment.Status.AWAITING_EMAIL)


class _Renderings:
    """The shared renderings this process made lately: one per page of a thread (article, order,
    comment page), with what it is current for (the stamp, the minute, comments open or not).
    The least recently used go when they add up to more than `budget` characters of HTML."""

    def __init__(self, budget):
        self.budget = budget
        self._entries = collections.OrderedDict()  # key -> (current_for, rendering, size)
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key, current_for):
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != current_for:
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key, current_for, rendering):
        size = rendering["size"]
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= old[2]
            self._entries[key] = (current_for, rendering, size)
            self._size += size
            while self._size > self.budget and len(self._entries) > 1:
                _, (_, _, dropped) = self._entries.popitem(last=False)
                self._size -= dropped

    def clear(self):
        with self._lock:
            self._entries.clear()
            self._size = 0

    def __len__(self):
        return len(self._entries)


# About 8 MB of HTML, and as much again in the comments kept with it, per process.
_shared = _Renderings(budget=8_000_000)


def _members_thread(request, article, author, parts):
    """This member's thread from the shared rendering, or None when it cannot be used: the
    counters are off or unreadable (no stamp), or the member has posts waiting, which only
    they see."""
    counters = [freshness.SITE, freshness.article(article.pk)]  # the page's own, as cached
    stamp = freshness.current(counters) if settings.PAGE_CACHE_SECONDS else None
    if stamp is None:
        return None
    mine = Comment.objects.filter(article=article, author_user=author.user)
    if mine.filter(status__in=WAITING).exists():
        return None
    requested = requested_page(request)
    key = (article.pk, parts["order"], requested)
    # The stamp is read before anything is rendered, so a rendering is never current for a
    # thread that changed after it was read.
    current_for = (stamp, parts["minute"], article.comments_open)
    shared = _shared.get(key, current_for)
    if shared is None:
        shared = _render_shared(request, article, parts)
        # A number past the last page shows the last page: kept only under its own number, so
        # made-up numbers add no renderings.
        if shared["page"].number == requested:
            _shared.put(key, current_for, shared)
    return {
        **{name: shared[name] for name in ("count", "page", "is_paginated", "is_empty")},
        "items_html": _personalised(request, article, author, parts, shared),
    }


def _personalised(request, article, author, parts, shared):
    """The shared rendering with this member's actions, reply form and CSRF token put in."""
    comments = shared["comments"]
    hugged = set()
    if comments:
        hugged = set(
            Hug.objects.filter(user=author.user, comment__in=list(comments)).values_list(
                "comment_id", flat=True
            )
        )
    # Their own posts (edit, delete, no hug) and the ones they hugged: actions of their own.
    own_actions = {}
    for pk, comment in comments.items():
        if pk in hugged or comment.author_user_id == author.user.pk:
            node = _node(comment, author, hugged, article)
            own_actions[pk] = render_to_string(
                "comments/_comment_actions.html",
                {"node": node, "c": comment, "section": parts, "csrf_token": CSRF_MARK},
            )
    out = []
    reply_form = parts.get("reply_form", "")
    for piece in shared["pieces"]:
        if isinstance(piece, str):
            out.append(piece)
        elif piece[0] == "r":
            out.append(reply_form.replace(REPLY_MARK, piece[1]))
        else:
            out.append(own_actions.get(piece[1], piece[2]))
    # Our own rendering, with ids and tokens put in.
    return SafeString("".join(out).replace(CSRF_MARK, get_token(request)))


def _render_shared(request, article, parts):
    """One page of the thread for any member, cut into pieces at its slots."""
    context = {
        **parts,
        **_thread(request, article, ANY_MEMBER, parts["order"]),
        "reply_form": f"<!--{SLOT}r{REPLY_MARK}-->",
        "slot": SLOT,
    }
    count = _published_count(article)
    html = _render_items(context, csrf_token=CSRF_MARK)
    cut = _SLOTS.split(html)
    pieces = []
    for start in range(0, len(cut), 4):
        pieces.append(cut[start])
        if start + 1 < len(cut):
            actions_pk, actions, reply_pk = cut[start + 1 : start + 4]
            pieces.append(("a", int(actions_pk), actions) if actions_pk else ("r", reply_pk))
    return {
        "count": count,
        "page": context["page"],
        "is_paginated": context["is_paginated"],
        "is_empty": context["is_empty"],
        "comments": context["comments"],
        "pieces": pieces,
        "size": len(html),
    }
