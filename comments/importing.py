"""Posts from another site's export stored under our articles, as guests' posts.

Each post (comments/import_formats.py) is matched to an article by its page's slug or address,
goes through the moderation policy as any post does, and is stored with its date, its place in
its thread (parent, root, depth, as comments/posting.py sets them) and its source's id
(`Comment.import_key`), so a second run stores nothing twice. What the old site approved is
published unless our rules hold it; what waited there waits here; spam, trashed and deleted
posts are skipped, and a reply to a skipped post hangs under the nearest post that was kept.

Authors become guests (accounts.subscriptions.imported_guest): never mailed, never newsletter
recipients. Nothing is mailed by an import: no confirmation, no reply notice, no moderator
alert (a held post waits in the queue; the moderators' digest mentions it as it does any).
"""

import hashlib
import re
from dataclasses import dataclass, field
from types import SimpleNamespace
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from accounts import subscriptions
from articles.models import Article
from comments import import_formats, moderation, posting
from comments.import_formats import APPROVED, DELETED, REJECTED, SPAM
from comments.models import Comment
from comments.reasons import IMPORTED_APPROVED, IMPORTED_WAITING
from comments.text import render_comment_text
from kindred import freshness

# The old site took these posts while its pages were open to comments: an article closed here
# since does not refuse its own history (the policy refuses new posts on closed articles).
_WRITTEN_WHILE_OPEN = SimpleNamespace(comments_open=True)

# Authors with no usable address still need a guest row (its name is what the thread shows);
# theirs is made up under .invalid, a domain that can never receive mail (RFC 2606).
PLACEHOLDER_DOMAIN = "import.invalid"

GUEST_NAME = "Guest"

_SKIP_REASONS = {
    SPAM: "spam on the old site",
    DELETED: "deleted or in the trash on the old site",
    REJECTED: "rejected on the old site",
}
_SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")


@dataclass
class Unmatched:
    place: import_formats.Place
    posts: int = 0


@dataclass
class Report:
    read: int = 0
    published: int = 0
    pending: int = 0
    held_by_rules: int = 0  # approved on the old site, held by ours (counted in `pending`)
    already_here: int = 0
    without_parent: int = 0  # replies whose parent is not in the file (stored at the top)
    skipped: dict = field(default_factory=dict)  # reason -> count
    unmatched: dict = field(default_factory=dict)  # place key -> Unmatched
    article_ids: set = field(default_factory=set)

    @property
    def stored(self):
        return self.published + self.pending

    def skip(self, reason):
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


@dataclass(frozen=True)
class _Stored:
    """What a reply needs of its parent."""

    pk: int
    root_id: int
    depth: int
    article_id: int
    members_only: bool


def import_posts(posts, *, dry_run=False):
    """Store `posts` (an iterable of SourcePost); returns a Report. All or nothing: an error
    while reading the file leaves the database as it was. With `dry_run` every step runs,
    then everything is rolled back."""
    with transaction.atomic():
        report = _Importer().run(posts)
        if dry_run:
            transaction.set_rollback(True)
    if not dry_run:
        for article_id in sorted(report.article_ids):
            freshness.thread_changed(article_id)
    return report


class _Importer:
    def __init__(self):
        self.report = Report()
        self.rules = posting.load_rules()
        self.now = timezone.now()
        self.own_prefix = f"kindred:{urlsplit(settings.SITE_URL).netloc}:"
        self.articles = {}  # place key -> Article or None
        self.guests = {}  # address -> (subscriber, ban)
        self.stored = {}  # source key -> _Stored
        self.skipped = {}  # source key -> its parent's key, for replies to hang higher up
        self.waiting = {}  # parent key -> posts read before their parent

    def run(self, posts):
        for post in posts:
            self.report.read += 1
            self._take(post)
        while self.waiting:  # parents that never came: their replies start threads
            _, orphans = self.waiting.popitem()
            for post in orphans:
                self.report.without_parent += 1
                self._take(post, at_top=True)
        return self.report

    def _take(self, first, at_top=False):
        """Store `first`, then any replies that were waiting for it, and theirs."""
        queue = [(first, at_top)]
        while queue:
            post, at_top = queue.pop()
            if self._take_one(post, at_top):
                queue.extend((reply, False) for reply in self.waiting.pop(post.key, []))

    def _take_one(self, post, at_top):
        """Store or skip one post; False when it must wait for its parent."""
        article = self._article(post.place)
        if article is None:
            unmatched = self.report.unmatched.setdefault(post.place.key, Unmatched(post.place))
            unmatched.posts += 1
            self.skipped[post.key] = post.parent_key
            return True
        existing = self._existing(post.key)
        if existing is not None:
            self.report.already_here += 1
            self.stored[post.key] = existing
            return True
        reason = self._skip_reason(post)
        if reason:
            self._skip(post, reason)
            return True
        parent = None
        if not at_top:
            parent_key = self._kept_ancestor(post.parent_key)
            if parent_key:
                parent = self.stored.get(parent_key) or self._existing(parent_key)
                if parent is None:
                    self.waiting.setdefault(parent_key, []).append(post)
                    return False
            if parent is not None and parent.article_id != article.pk:
                parent = None  # a reply cannot cross articles
        return self._store(post, article, parent)

    def _skip_reason(self, post):
        if post.kind not in ("", "comment"):
            return "pingbacks and trackbacks"
        if post.state in _SKIP_REASONS:
            return _SKIP_REASONS[post.state]
        if not post.text:
            return "no text (a picture only, or emptied)"
        return ""

    def _skip(self, post, reason):
        self.report.skip(reason)
        self.skipped[post.key] = post.parent_key

    def _kept_ancestor(self, key):
        seen = set()
        while key in self.skipped and key not in seen:
            seen.add(key)
            key = self.skipped[key]
        return key

    def _store(self, post, article, parent):
        subscriber, ban, email = self._guest(post)
        author = moderation.AuthorFacts(
            is_member=False,
            email=email,
            ip=post.ip,
            # The old site's moderators approved the post: it is not a new author's first try
            # here, so our links and first-post holds do not apply; our words and blocks do.
            approved_posts=self.rules.trusted_after_approved if post.state == APPROVED else 0,
            ban_reason=ban.reason if ban else "",
            ban_until=ban.until if ban else None,
        )
        decision = moderation.decide(
            author=author, text=post.text, article=_WRITTEN_WHILE_OPEN, rules=self.rules
        )
        if decision.status == moderation.REJECTED:
            self._skip(post, "refused by this site's moderation rules")
            return True
        if decision.status == moderation.PUBLISHED and post.state == APPROVED:
            status, reasons = Comment.Status.PUBLISHED, []
            self.report.published += 1
        else:
            status = Comment.Status.PENDING
            was = IMPORTED_APPROVED if post.state == APPROVED else IMPORTED_WAITING
            reasons = [*decision.reasons, was]
            self.report.pending += 1
            self.report.held_by_rules += int(post.state == APPROVED)
        comment = Comment(
            article=article,
            author_subscriber=subscriber,
            body=decision.text,
            body_html=render_comment_text(decision.text),
            status=status,
            moderation_reasons=reasons,
            held_at=self.now if status == Comment.Status.PENDING else None,
            members_only=post.members_only or (parent is not None and parent.members_only),
            import_key=post.key,
        )
        if parent is not None:
            comment.parent_id = parent.pk
            comment.root_id = parent.root_id or parent.pk
            comment.depth = parent.depth + 1
        comment.save()
        # created_at is set on insert (auto_now_add): the source's date is written after.
        Comment.objects.filter(pk=comment.pk).update(created_at=post.created_at)
        self.stored[post.key] = _Stored(
            comment.pk, comment.root_id, comment.depth, article.pk, comment.members_only
        )
        self.report.article_ids.add(article.pk)
        return True

    def _existing(self, key):
        """The post stored from `key` by an earlier run, or, for a post of this site's own
        export, the post itself."""
        posts = Comment.objects.filter(import_key=key)
        if key.startswith(self.own_prefix) and key[len(self.own_prefix) :].isdigit():
            posts = Comment.objects.filter(pk=int(key[len(self.own_prefix) :])) | posts
        row = posts.values_list("pk", "root_id", "depth", "article_id", "members_only").first()
        return _Stored(*row) if row else None

    def _article(self, place):
        if place.key not in self.articles:
            path = [part for part in urlsplit(place.url).path.split("/") if part]
            candidates = [c for c in (place.slug, path[-1] if path else "") if _SLUG.match(c)]
            found = {a.slug: a for a in Article.objects.filter(slug__in=candidates)}
            self.articles[place.key] = next((found[c] for c in candidates if c in found), None)
        return self.articles[place.key]

    def _guest(self, post):
        """The author's guest row, the ban on their address, and the address the policy
        checks ("" for a made-up one)."""
        email = post.author_email.strip()
        try:
            validate_email(email)
        except ValidationError:
            email = ""
        address = email or _placeholder_address(post)
        if address.lower() not in self.guests:
            name = " ".join(post.author_name.split())[:100] or GUEST_NAME
            subscriber = subscriptions.imported_guest(name, address)
            ban = posting.active_ban(email=email) if email else None
            self.guests[address.lower()] = (subscriber, ban)
        return (*self.guests[address.lower()], email)


def _placeholder_address(post):
    """One made-up address per source and name: the same name's posts share a guest."""
    source = post.key.partition(":")[0]
    name = " ".join(post.author_name.split()).casefold()
    digest = hashlib.sha256(f"{source}\0{name}".encode()).hexdigest()[:24]
    return f"{source}-{digest}@{PLACEHOLDER_DOMAIN}"
