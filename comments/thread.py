"""The comment thread under an article: who may read it, the nested tree to show, and what
each viewer may do with each post.

Every viewer's thread (anonymous reader, guest, member, staff) is made by the same code: each
comment's face (who wrote it and when, its words, its picture) is the same for everyone who
sees it, so it is kept in the "fragments" cache, keyed by what it shows and the language, and
fetched for the whole page at once; what the viewer may do with it (hug, edit, delete, report,
reply) is decided here by their `Viewer` and written in the same loop (comments/thread_html.py).
A post made in place with JavaScript is written by the same code (`render_one`).

The reply form under each post has ids of its own (reply-<id>-...): its fields, the same for
every viewer, are kept in the fragments cache too; the page's form gives the rest (address,
author, token).

The number of queries is the same for ten comments or a thousand: the published count, the
page's top-level posts (plus the paginator's count), those posts with all their replies, and
for a member their hugs among them.
"""

import hashlib
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import caches
from django.core.paginator import Paginator
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from accounts import profiles
from comments import thread_html
from comments.forms import CommentForm
from comments.models import PINNED_FIRST, Comment, Hug, visibility
from comments.posting import author_for, can_edit
from kindred import page_cache

ORDER_COOKIE = "comment_order"
ORDERS = {"newest": ("-created_at", "-pk"), "oldest": ("created_at", "pk")}
DEFAULT_ORDER = "newest"
FRAGMENT_SECONDS = 600
# What the thread reads of a post and of its author: the rest is not fetched (a post's words
# are shown as body_html, a member by their display name).
SHOWN_FIELDS = (
    *("article_id", "parent_id", "root_id", "depth", "status", "created_at", "edited_at"),
    *("author_user_id", "author_subscriber_id", "guest_key", "body_html", "hug_count"),
    *("image", "image_thumb", "image_alt", "is_picture_sensitive"),
    *("is_pinned", "members_only", "public_note"),
    *("author_user__display_name", "author_subscriber__name"),
    # Who is speaking (accounts/profiles.py): role, "living with", the profile's address.
    *("author_user__role", "author_user__living_with", "author_user__profession_verified"),
    *("author_user__profile_public", "author_user__handle", "author_user__is_active"),
    *("public_note_reviewer__name", "public_note_reviewer__credentials"),
    "public_note_reviewer__slug",
)
# What the author of a post that others cannot see is told about it, on the post itself.
STATUS_BADGES = {
    Comment.Status.AWAITING_EMAIL: gettext_lazy("Awaiting email confirmation"),
    Comment.Status.PENDING: gettext_lazy(
        "Waiting for review: only you see it until a moderator has read it"
    ),
    Comment.Status.REJECTED: gettext_lazy("Not published"),
}


@dataclass(frozen=True)
class Actions:
    """What the viewer may do with one post."""

    hug: bool = False
    has_hugged: bool = False
    edit: bool = False
    delete: bool = False
    report: bool = False
    reply: bool = False


@dataclass(frozen=True)
class Viewer:
    """Who reads the thread and what they may do in it: `author` is None for a reader who
    neither logged in nor shared a name and email (they may only read, if that)."""

    author: object = None  # comments.posting.Author
    comments_open: bool = False
    hugged: frozenset = frozenset()  # the posts on the page this member hugged

    @property
    def is_member(self):
        return self.author is not None and self.author.is_member

    def is_own(self, comment):
        return self.author is not None and comment.is_by(self.author.user, self.author.guest_key)

    def actions(self, comment):
        is_own = self.is_own(comment)
        others_published = self.author is not None and comment.is_published and not is_own
        return Actions(
            hug=others_published and self.is_member,
            has_hugged=comment.pk in self.hugged,
            edit=is_own and can_edit(comment),
            delete=is_own,
            report=others_published,
            reply=self.author is not None and self.comments_open and comment.is_published,
        )

    def name_on(self, comment):
        """The name shown on `comment`. A guest who has not proven their address in this
        browser sees the name they typed on their own posts: the row's may be the owner's."""
        if self.author is not None and self.author.is_unproven_guest and self.is_own(comment):
            return self.author.name
        return comment.author_name


@dataclass(eq=False)
class Entry:
    """One comment as the thread shows it, with the replies shown under it."""

    comment: Comment
    author_name: str
    replying_to: str = ""  # set when shown at a shallower level than its real parent
    children: list = field(default_factory=list)
    # Set by _in_page_order and _prepare, for the template:
    ends: list = field(default_factory=list)  # the entries whose replies end after this one
    face: str = ""
    actions: Actions = Actions()
    reply_fields: str = ""  # the reply form's fields, the same for every viewer

    @property
    def speaking(self):
        """(who the author says they are, what they live with, their profile's address): what
        the face shows after the name. Nothing for a guest or a former member."""
        user = self.comment.author_user if self.comment.author_user_id else None
        if user is None:
            return ("", "", "")
        shows = user.profile_public and user.handle and user.is_active
        profile = f"/members/{user.handle}/" if shows else ""
        return (profiles.shown_role(user.role, user.profession_verified), user.living_with, profile)

    def face_key(self, now, language):
        """The fragments cache's key for the face: everything it shows, in `language`, at
        `now` (its age, to the step its time is written in: "5 minutes ago", "3 hours ago")."""
        c = self.comment
        shown = (
            c.created_at,
            c.status,
            c.edited_at,
            c.body_html,
            self.author_name,
            c.author_user_id,
            c.author_subscriber_id,
            self.replying_to,
            self.speaking,
            c.image.name,
            c.image_alt,
            c.is_picture_sensitive,
            c.is_pinned,
            c.members_only,
            c.public_note,
            c.public_note_reviewer.full_name if c.public_note_reviewer_id else "",
            c.public_note_reviewer.slug if c.public_note_reviewer_id else "",
            _age_step(c.created_at, now)[0],
            language,
        )
        digest = hashlib.md5(repr(shown).encode(), usedforsecurity=False).hexdigest()
        return f"comment-face:{c.pk}:{digest}"


def came_for(request):
    """The address of the post a reader was sent to (by /c/<id>/, with `?c=<id>`), or ""."""
    wanted = request.GET.get("c", "")
    return f"/c/{wanted}/" if wanted.isascii() and wanted.isdigit() and len(wanted) <= 12 else ""


def reading_order(request):
    order = request.GET.get("order") or request.COOKIES.get(ORDER_COOKIE)
    return order if order in ORDERS else DEFAULT_ORDER


def requested_page(request):
    """The comment page asked for: `cpage` when it is a plain number, else 1. Past the last
    page the paginator shows the last one."""
    cpage = request.GET.get("cpage", "")
    return int(cpage) if cpage.isascii() and cpage.isdigit() and len(cpage) <= 9 else 1


def _is_canonical(request, page):
    """Whether the address's `order` and `cpage` are the page's own: `order` only when the thread
    is shown (`page`) and it is a known order other than the default, `cpage` only when the
    thread is shown and it is the number of the page shown (2 to the last page, as the page's
    links write it). Any other address shows a page that has a canonical address of its own,
    so it is not stored by the page cache: made-up values cannot fill it."""
    order, cpage = request.GET.get("order"), request.GET.get("cpage")
    if "c" in request.GET:  # a reader sent to one post: the page as it is, with its own "next"
        return False
    if order is not None and (page is None or order not in ORDERS or order == DEFAULT_ORDER):
        return False
    return cpage is None or (page is not None and page.number > 1 and cpage == str(page.number))


def can_read(request, author):
    return author is not None or not settings.COMMENTS_READ_GATE


def thread_context(request, article):
    """Everything templates/comments/_thread.html shows under an article, for this viewer."""
    author = author_for(request)
    context = {
        "article": article,
        "author": author,
        # Where sharing name + email, logging in or signing up comes back to: the post the
        # reader came for (/c/<id>/, comments/views.py comment_link), or the conversation.
        "gate_next": came_for(request) or f"{article.get_absolute_url()}#comments",
        "newsletter_ticked": settings.COMMENTS_NEWSLETTER_TICKED,
        "can_read": can_read(request, author),
        "order": reading_order(request),
        "is_open": article.comments_open,
        "display_depth": settings.COMMENTS_DISPLAY_DEPTH,
    }
    if author is not None and article.comments_open:
        # The page's form: its address, author and "started" token serve every reply form
        # too (after a send, all of them take the fresh token the answer brings: site.js).
        context["form"] = CommentForm(author=author, article=article, auto_id="new-comment-%s")
    page = None
    if not context["can_read"]:
        published = Comment.objects.filter(article=article, status=Comment.Status.PUBLISHED)
        counted = published.aggregate(  # what they would see, and what members see besides
            published=Count("pk", filter=Q(members_only=False)),
            for_members=Count("pk", filter=Q(members_only=True)),
        )
        context["count"], context["for_members"] = counted["published"], counted["for_members"]
    else:
        page, entries, hugged, counted = _page_of_thread(request, article, author, context["order"])
        context["count"], context["for_members"] = counted["published"], counted["for_members"]
        viewer = Viewer(author=author, comments_open=article.comments_open, hugged=hugged)
        shown, context["form_fields"] = _prepare(
            _in_page_order(entries), viewer, article, context.get("form")
        )
        context.update(
            items=thread_html.items(request, shown, context.get("form")),
            page=page,
            is_paginated=page.paginator.num_pages > 1,
            is_empty=not entries,
        )
        if shown:  # "5 minutes ago" must not be kept past the minute
            page_cache.keep_at_most(request, _until_a_time_changes(shown))
    if not _is_canonical(request, page):
        page_cache.not_canonical(request)
    return context


def _age_step(created_at, now):
    """(the step of a post's age its time is written in, the seconds until the next step):
    minutes while it is under an hour old ("5 minutes ago"), else hours ("3 hours ago",
    "2 days, 3 hours ago")."""
    age = int((now - created_at).total_seconds())
    unit = 60 if age < 3600 else 3600
    return (unit, age // unit), unit - age % unit


def _until_a_time_changes(entries):
    """Seconds until the first of the posts' times ("5 minutes ago") reads differently."""
    now = timezone.now()
    return min(_age_step(entry.comment.created_at, now)[1] for entry in entries)


def render_one(request, comment, author):
    """One comment as it appears in the thread (for posting in place with JavaScript)."""
    article = comment.article
    viewer = Viewer(author=author, comments_open=article.comments_open)
    entries, _ = _prepare([Entry(comment, author_name=viewer.name_on(comment))], viewer, article)
    form = CommentForm(author=author, article=article)  # the page's form, for the reply form
    return thread_html.items(request, entries, form)


def page_number_of(request, comment, visible):
    """The page of the thread (in this reader's order) that shows `comment`: the page of its
    top-level post. `visible` is what the reader may see. A count (and, for a reply, its
    top-level post)."""
    root_id = comment.root_id or comment.pk
    root = comment if comment.root_id is None else Comment.objects.get(pk=root_id)
    if root.is_pinned and root.status == Comment.Status.PUBLISHED and not root.members_only:
        return 1
    top = visible.filter(article_id=comment.article_id, parent=None).exclude(pk=root_id)
    if reading_order(request) == "newest":
        before = Q(created_at__gt=root.created_at) | Q(created_at=root.created_at, pk__gt=root_id)
    else:
        before = Q(created_at__lt=root.created_at) | Q(created_at=root.created_at, pk__lt=root_id)
    ahead = top.filter(before | PINNED_FIRST).count()
    return ahead // settings.COMMENTS_PER_PAGE + 1


def _page_of_thread(request, article, author, order):
    """The page of the thread asked for: (page, its top-level entries with their replies
    nested under them, the posts on it this member hugged, the thread's published posts).
    Three queries whatever the size: one counts the thread (its top-level posts, for the
    paginator, and its published posts), one takes the page's top-level posts, one fetches
    them with every reply of theirs, their authors, and whether this member hugged each."""
    visible = Comment.objects.visible_to(
        user=author.user if author else None,
        guest_key=author.guest_key if author else "",
    ).filter(article=article)
    # One pass over the article's posts: what this reader sees, and the published posts
    # shown to members only that they do not ("and 3 posts for members").
    shown = visibility(
        user=author.user if author else None, guest_key=author.guest_key if author else ""
    )
    counted = Comment.objects.filter(article=article).aggregate(
        top_level=Count("pk", filter=shown & Q(parent=None)),
        published=Count("pk", filter=shown & Q(status=Comment.Status.PUBLISHED)),
        for_members=Count(
            "pk", filter=~shown & Q(status=Comment.Status.PUBLISHED, members_only=True)
        ),
    )
    # The post the moderators pinned comes first, on the first page, while everyone may read it
    # (a post its author removed, or one shown to members only, keeps its place). The same
    # expression as the index of the pages (comment_page_idx), or PostgreSQL sorts the thread.
    pinned = ExpressionWrapper(PINNED_FIRST, output_field=BooleanField())
    top_level = visible.filter(parent=None).order_by(pinned.desc(), *ORDERS[order])
    top_level = top_level.values_list("pk", flat=True)
    paginator = Paginator(top_level, settings.COMMENTS_PER_PAGE)
    paginator.count = counted["top_level"]  # counted above, with the published posts
    page = paginator.get_page(requested_page(request))
    # A list, not a subquery: the subquery, written twice, cost more to compile than this
    # query costs to run (bench/run.py).
    page_ids = list(page.object_list)
    on_page = visible.filter(Q(pk__in=page_ids) | Q(root_id__in=page_ids))
    on_page = on_page.select_related(
        "author_user", "author_subscriber", "public_note_reviewer"
    ).only(*SHOWN_FIELDS)
    is_member = author is not None and author.is_member
    if is_member:
        on_page = on_page.annotate(
            hugged=Exists(Hug.objects.filter(user=author.user, comment=OuterRef("pk")))
        )
    posts = list(on_page.order_by("created_at", "pk"))
    by_pk = {c.pk: c for c in posts}
    roots = [by_pk[pk] for pk in page_ids if pk in by_pk]
    replies = [c for c in posts if c.parent_id is not None]
    hugged = frozenset(c.pk for c in posts if c.hugged) if is_member else frozenset()
    viewer = Viewer(author=author)
    entries = {c.pk: Entry(c, author_name=viewer.name_on(c)) for c in roots + replies}
    deepest = settings.COMMENTS_DISPLAY_DEPTH - 1
    for reply in replies:
        shown_under = entries.get(reply.parent_id)
        real_parent = shown_under
        while shown_under is not None and shown_under.comment.depth > deepest - 1:
            shown_under = entries.get(shown_under.comment.parent_id)
        if shown_under is None:
            continue  # its branch is hidden (waiting or rejected)
        if real_parent is not shown_under:
            entries[reply.pk].replying_to = real_parent.author_name
        shown_under.children.append(entries[reply.pk])
    return page, [entries[c.pk] for c in roots], hugged, counted


def _in_page_order(entries):
    """The entries as the page shows them, each followed by its replies (see `Entry.ends`);
    a removed post is left out unless replies are shown under it."""
    shown = []
    for entry in entries:
        replies = _in_page_order(entry.children)
        if entry.comment.is_removed and not replies:
            continue
        kept = {id(reply) for reply in replies}
        entry.children = [reply for reply in entry.children if id(reply) in kept]
        shown.append(entry)
        if replies:
            replies[-1].ends.append(entry)
            shown.extend(replies)
    return shown


def _prepare(entries, viewer, article, form=None):
    """Give each entry (in page order) its face, the viewer's actions and, where they may
    reply, the fields of a reply form with ids of its own. What is the same for every viewer
    (the faces, and the fields of the comment forms: the reply forms' and the fields of `form`,
    the page's own form, returned) comes from the fragments cache, fetched for the page at
    once, and is rendered here when it is not kept."""
    shown = [entry for entry in entries if not entry.comment.is_removed]
    for entry in shown:
        entry.actions = viewer.actions(entry.comment)
    now = timezone.now()
    language = translation.get_language()
    faces = {entry.comment.pk: entry.face_key(now, language) for entry in shown}
    replies = {
        entry.comment.pk: _fields_key(_reply_ids(entry.comment), language, viewer.is_member)
        for entry in shown
        if entry.actions.reply
    }
    form_key = (
        _fields_key(form.auto_id, language, form.members_choice) if form is not None else None
    )
    fragments = caches["fragments"]
    kept = fragments.get_many([*faces.values(), *replies.values(), *([form_key] if form else [])])
    made = {}

    def kept_or_made(key, render, *args):
        if key not in kept:
            kept[key] = made[key] = render(*args)
        return mark_safe(kept[key])  # our own rendering, kept as it was made

    for entry in shown:
        entry.face = kept_or_made(faces[entry.comment.pk], _render_face, entry)
        if entry.actions.reply:
            key = replies[entry.comment.pk]
            entry.reply_fields = kept_or_made(
                key, _render_reply_fields, entry.comment, article, viewer.is_member
            )
    form_fields = kept_or_made(form_key, _render_fields, form) if form is not None else ""
    if made:
        fragments.set_many(made, FRAGMENT_SECONDS)
    return entries, form_fields


def _fields_key(auto_id, language, members_choice):
    """The fields of an unbound comment form differ only in their ids, language, and whether
    they offer members only (to members)."""
    return f"comment-form-fields:{auto_id}:{language}:{int(bool(members_choice))}"


def _reply_ids(comment):
    return f"reply-{comment.pk}-%s"


def _render_face(entry):
    c = entry.comment
    context = {"entry": entry, "c": c, "badge": STATUS_BADGES.get(c.status)}
    return render_to_string("comments/_comment_face.html", context)


def _render_reply_fields(comment, article, members_choice):
    """The fields of the reply form under `comment`: a CommentForm of its own, for its ids
    (the page's form gives the rest: the address, the author, the token)."""
    reply = CommentForm(
        author=None,
        article=article,
        parent=comment,
        auto_id=_reply_ids(comment),
        members_choice=members_choice,
    )
    return _render_fields(reply)


def _render_fields(form):
    return render_to_string("comments/_comment_fields.html", {"form": form})
