"""Create, edit and remove comments: the rules of the thread, called by the views."""

import dataclasses
import datetime
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from accounts import privacy, subscriptions
from accounts.addresses import inbox_of
from accounts.models import Subscriber
from comments import crisis, moderation, moderator_actions, notifications, pictures, reports
from comments.models import Ban, BlockedAddress, Comment, ModerationRules, Report, WatchedWord
from comments.pictures import process_picture
from comments.reasons import EDITED, PICTURE_FROM_ANOTHER_BROWSER
from comments.text import render_comment_text
from kindred import freshness


@dataclass(frozen=True)
class Author:
    """Who is posting: a member, or a guest subscriber (proven if this browser confirmed).

    A guest who has not proven the address in this browser is only a browser that typed it:
    they go by the name they typed (`typed_name`), and their per-person limits and reports are
    this browser's (`identity`), so typing a known address borrows nothing of its owner's."""

    user: object = None
    subscriber: Subscriber = None
    is_proven: bool = False
    guest_key: str = ""
    typed_name: str = ""

    @property
    def is_member(self):
        return self.user is not None

    @property
    def is_unproven_guest(self):
        return self.user is None and not self.is_proven

    @property
    def name(self):
        """The name this viewer is shown as posting under."""
        if self.user is not None:
            return self.user.display_name
        if self.is_proven:
            return self.subscriber.name
        return self.typed_name or gettext("a guest")

    @property
    def identity(self):
        if self.user is not None:
            return f"user:{self.user.pk}"
        if self.is_proven:
            return f"subscriber:{self.subscriber.pk}"
        # The browser, hashed: the limits' store holds no key that could edit its posts.
        return "guest:" + hashlib.sha256(self.guest_key.encode()).hexdigest()[:32]


def author_for(request):
    if request.user.is_authenticated:
        return Author(user=request.user, is_proven=True)
    subscriber_id = subscriptions.guest_subscriber_id(request)
    if subscriber_id:
        subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
        if subscriber is not None:
            return Author(
                subscriber=subscriber,
                is_proven=subscriptions.guest_is_proven(request),
                guest_key=subscriptions.guest_key(request),
                typed_name=subscriptions.guest_name(request),
            )
    return None


def load_rules():
    """The site's moderation rules, as the pure policy function takes them."""
    rules = ModerationRules.current()
    blocked = list(BlockedAddress.objects.values_list("kind", "value"))
    networks = (moderation.parse_network(v) for k, v in blocked if k == BlockedAddress.Kind.NETWORK)
    return moderation.Rules(
        max_links=rules.max_links,
        new_author_held_posts=rules.new_author_held_posts,
        trusted_after_approved=rules.trusted_after_approved,
        watched=tuple(WatchedWord.objects.values_list("phrase", "action")),
        blocked_emails=frozenset(inbox_of(v) for k, v in blocked if k == BlockedAddress.Kind.EMAIL),
        blocked_domains=frozenset(
            v.strip().lstrip("@").casefold() for k, v in blocked if k == BlockedAddress.Kind.DOMAIN
        ),
        blocked_networks=tuple(n for n in networks if n is not None),
    )


def active_ban(*, user=None, email=""):
    """The ban in force on the person behind a member (`user`) or a guest's address (`email`).
    A ban holds for an inbox (accounts.addresses.inbox_of: case, +tags, Gmail dots): a member
    is matched by their account and every address they proved, a guest by their address, and
    both by the addresses of banned members and by the bans kept as hashes. Every ban carries
    its address's inbox hash (email_hash, indexed), so one lookup finds most."""
    bans = Ban.objects.filter(Q(until=None) | Q(until__gt=timezone.now()))
    addresses = privacy.verified_addresses(user) if user is not None else [email]
    addresses = [address.strip() for address in addresses if address and address.strip()]
    who = Q(email_hash__in=[h for address in addresses for h in privacy.address_hashes(address)])
    for address in addresses:  # a ban written without its hash (from a shell, say)
        who |= Q(email__iexact=address)
    who |= Q(user__in=_banned_members_reaching(bans, {inbox_of(a) for a in addresses}))
    if user is not None:
        who |= Q(user=user)
    return bans.filter(who).order_by("-created_at").first()


def _banned_members_reaching(bans, inboxes):
    """The banned members (of `bans`) who proved an address that reaches one of `inboxes`:
    a member's other addresses are theirs too. Few rows: only banned members' addresses."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    if not inboxes:
        return set()
    banned = bans.exclude(user=None).values("user")
    proved = EmailAddress.objects.filter(user__in=banned, verified=True)
    accounts = get_user_model().objects.filter(pk__in=banned)
    addresses = [*proved.values_list("user_id", "email"), *accounts.values_list("pk", "email")]
    return {user_id for user_id, address in addresses if inbox_of(address) in inboxes}


def author_facts(author, ip=""):
    if author.is_member:
        posts = Comment.objects.filter(author_user=author.user)
        email = author.user.email
    else:
        posts = Comment.objects.filter(author_subscriber=author.subscriber, author_user=None)
        email = author.subscriber.email
    if author.is_member:
        ban = active_ban(user=author.user)
    elif author.is_proven:
        ban = active_ban(email=email)
    else:  # only typed here: refusing would tell a stranger the address is banned; the
        ban = None  # post waits, and faces the ban when its release is decided
    return moderation.AuthorFacts(
        is_member=author.is_member,
        email=email,
        ip=ip or "",
        approved_posts=posts.filter(status=Comment.Status.PUBLISHED).count(),
        ban_reason=ban.reason if ban else "",
        ban_until=ban.until if ban else None,
    )


def decide_for(author, text, article, ip="", alt=""):
    rules = load_rules()
    if author.is_unproven_guest:
        # Only typed here: refusing the address would tell a stranger it is blocked. As with a
        # ban, the post waits and meets the block when its release is decided (by a proven
        # author); blocked networks and domains name no one's address and apply at once.
        rules = dataclasses.replace(rules, blocked_emails=frozenset())
    return moderation.decide(
        author=author_facts(author, ip), text=text, alt=alt, article=article, rules=rules
    )


def judge(author, body, article, ip="", *, image_alt="", editing=None):
    """The one decision step for a new post and for an edit of one (`editing`): the policy,
    then the guest's address. An edit is decided as a new post of the new words by the same
    author would be now. `image_alt` is the picture description the post will show (none
    without a picture): everyone reads it, so it is judged with the text. Returns (status,
    decision); status is None when refused."""
    decision = decide_for(author, body, article, ip, image_alt)
    if decision.status == moderation.REJECTED:
        return None, decision
    status = decision.status
    if not (author.is_member or _address_is_proven(author)):
        status = Comment.Status.AWAITING_EMAIL
    if editing is not None and editing.status != Comment.Status.PUBLISHED:
        # An edit never lets a post out of the queue: it waits as it did (held, reported, or
        # until the address is confirmed, when the policy sees the new words).
        status = editing.status
    return status, decision


def _address_is_proven(author):
    """This browser opened a confirmation link for the address. That a post of this browser
    went live proves nothing of the browser: the owner may have confirmed it from another one
    after reading it in the mail, and a stranger's later edit would go live as hers."""
    return author.is_proven and author.subscriber.is_confirmed


def find_duplicate(*, article, author, body, parent=None):
    """The same words by the same author under the same post in the last few minutes (a form
    sent again after Back, say): shown instead of a second copy."""
    if not body:
        return None
    since = timezone.now() - datetime.timedelta(minutes=DUPLICATE_MINUTES)
    posts = Comment.objects.filter(
        article=article, parent=parent, body=body, created_at__gte=since
    ).exclude(status__in=[Comment.Status.REMOVED, Comment.Status.REJECTED, Comment.Status.SPAM])
    if author.is_member:
        posts = posts.filter(author_user=author.user)
    elif author.is_unproven_guest:  # this browser's own posts, never the address owner's
        posts = posts.filter(guest_key=author.guest_key, author_user=None)
    else:
        posts = posts.filter(author_subscriber=author.subscriber, author_user=None)
    return posts.order_by("-created_at").first()


DUPLICATE_MINUTES = 10


def create_comment(
    *,
    article,
    author,
    body,
    picture=None,
    image_alt="",
    is_picture_sensitive=False,
    parent=None,
    ip=None,
    members_only=False,
):
    """Store a post with the status the policy gives it (a picture its author marked sensitive
    is shown blurred until a reader opens it). Returns (comment, decision); the
    comment is None when the policy refused the post (nothing is stored, the author is told).
    The same post sent again (find_duplicate) is not stored twice: it comes back with no
    decision, taking the stricter of the two choices (members only, a sensitive picture)."""
    duplicate = find_duplicate(article=article, author=author, body=body, parent=parent)
    if duplicate is not None:
        stricter = []
        if author.is_member and members_only and not duplicate.members_only:
            duplicate.members_only = True
            stricter.append("members_only")
        if is_picture_sensitive and duplicate.image and not duplicate.is_picture_sensitive:
            duplicate.is_picture_sensitive = True
            stricter.append("is_picture_sensitive")
        if stricter:
            duplicate.save(update_fields=stricter)
            freshness.thread_changed(article.pk)
        return duplicate, None
    image_alt = image_alt if picture else ""  # shown only with a picture
    status, decision = judge(author, body, article, ip, image_alt=image_alt)
    if status is None:
        return None, decision
    comment = Comment(
        article=article,
        author_user=author.user,
        author_subscriber=None if author.is_member else author.subscriber,
        guest_key="" if author.is_member else author.guest_key,
        body=decision.text,
        body_html=render_comment_text(decision.text),
        image_alt=decision.alt,
        is_picture_sensitive=bool(picture) and is_picture_sensitive,
        status=status,
        moderation_reasons=decision.reasons,
        held_at=timezone.now() if status == Comment.Status.PENDING else None,
        ip_address=ip,
        # A member's choice; a reply under a members-only post is members-only too.
        members_only=(author.is_member and members_only)
        or (parent is not None and parent.members_only),
    )
    if parent is not None:
        comment.parent = parent
        comment.root_id = parent.root_id or parent.pk
        comment.depth = parent.depth + 1
    if picture is not None:
        display, thumb, width, height = process_picture(picture)
        pictures.attach(comment, display, thumb)  # random names; private unless published
        comment.image_width, comment.image_height = width, height
    with transaction.atomic():
        comment.save()
    freshness.thread_changed(article.pk)
    if decision.crisis:
        crisis.flag(comment, decision.crisis)
    if comment.status == Comment.Status.AWAITING_EMAIL:
        subscriptions.ask_to_confirm(author.subscriber, author.guest_key, author.typed_name)
    if comment.is_published:
        notifications.comment_published(comment)
    if comment.status == Comment.Status.PENDING:
        notifications.tell_moderators()
    return comment, decision


def _awaiting(subscriber, guest_key):
    return Comment.objects.filter(
        author_subscriber=subscriber,
        author_user=None,
        guest_key=guest_key,
        status=Comment.Status.AWAITING_EMAIL,
    )


def _waiting_key(comment):
    """The post and its exact words (see subscriptions.WaitingPost). An edit cannot change
    the picture; it is stored under a new name as it changes folders, so only its presence
    counts."""
    words = "\0".join([comment.body, "picture" if comment.image else "", comment.image_alt])
    return f"{comment.pk}-{hashlib.sha256(words.encode()).hexdigest()[:16]}"


def waiting_posts(subscriber, guest_key):
    """What the browser `guest_key` has waiting for `subscriber`'s address, oldest first, as
    the confirmation mail shows it (registered with accounts.subscriptions)."""
    waiting = _awaiting(subscriber, guest_key).select_related("article").order_by("created_at")
    return [
        subscriptions.WaitingPost(
            key=_waiting_key(c),
            where=c.article,  # its title is read as the mail is written, in its language
            text=c.body,
            has_picture=bool(c.image),
            picture_description=c.image_alt if c.image else "",
        )
        for c in waiting
    ]


def release_awaiting(subscriber, guest_key, only=None):
    """The address was proven from a link asked for by the browser `guest_key`: the posts
    written there follow the normal policy now, or with `only` (keys from `waiting_posts`)
    just the ones the confirmation mail showed, as they were then (the link was opened in
    another browser: a post with a picture goes to the moderators instead of going live).
    Posts from other browsers keep waiting, and so does nothing a moderator decided on
    meanwhile: each post changes only if it is still awaiting the confirmation."""
    if not guest_key:
        return
    waiting = _awaiting(subscriber, guest_key).select_related("article", "parent")
    author = Author(subscriber=subscriber, is_proven=True, guest_key=guest_key)
    for comment in waiting:
        if only is not None and _waiting_key(comment) not in only:
            continue  # written or changed after the mail its owner confirmed
        if comment.is_approved:  # a moderator already approved it
            comment.status = Comment.Status.PUBLISHED
        else:
            alt = comment.image_alt if comment.image else ""
            decision = decide_for(author, comment.body, comment.article, comment.ip_address, alt)
            comment.status = decision.status
            comment.moderation_reasons = decision.reasons
            if only is not None and comment.image and comment.is_published:
                # Confirmed in another browser: its owner saw only the description (the
                # picture is private to the browser that wrote it), so a moderator looks first.
                comment.status = Comment.Status.PENDING
                comment.moderation_reasons = [*decision.reasons, PICTURE_FROM_ANOTHER_BROWSER]
        if comment.status == Comment.Status.PENDING:
            comment.held_at = timezone.now()  # joins the moderators' queue now
        released = Comment.objects.filter(
            pk=comment.pk, status=Comment.Status.AWAITING_EMAIL
        ).update(
            status=comment.status,
            moderation_reasons=comment.moderation_reasons,
            held_at=comment.held_at,
        )
        if not released:
            continue  # a moderator rejected it (or marked it as spam) a moment ago
        pictures.sync_visibility(comment)
        freshness.thread_changed(comment.article_id)
        if comment.is_published:
            notifications.comment_published(comment)
        elif comment.status == Comment.Status.PENDING:
            notifications.tell_moderators()


EDITABLE = (Comment.Status.PUBLISHED, Comment.Status.PENDING, Comment.Status.AWAITING_EMAIL)


def can_edit(comment, now=None):
    """Within the window, and only a post that is live or waiting: a rejected post or spam
    stays as the moderator left it."""
    window = datetime.timedelta(minutes=settings.COMMENTS_EDIT_MINUTES)
    return comment.status in EDITABLE and (now or timezone.now()) - comment.created_at <= window


def edit_comment(comment, author, body, image_alt=None, ip=None, *, is_picture_sensitive=None):
    """The author changes their post. Decided as a new post is (`judge`): refused (nothing
    changes; returns the decision with status None), held (the post leaves the thread and
    waits for review), masked, or kept. The picture description is judged as it will show
    after the edit (the one sent, else the one kept). The author may mark their picture
    sensitive or not (None: as it was), but not unmark what a moderator marked. Returns
    (status, decision)."""
    if image_alt is None:
        image_alt = comment.image_alt
    if not comment.image:
        image_alt = ""  # not shown without a picture
    status, decision = judge(
        author, body, comment.article, ip, image_alt=image_alt, editing=comment
    )
    if status is None:
        return None, decision
    was_published = comment.is_published
    comment.body = decision.text
    comment.body_html = render_comment_text(decision.text)
    if comment.image:
        comment.image_alt = decision.alt
        if is_picture_sensitive is not None and (
            is_picture_sensitive or not moderator_actions.is_sensitive_by_moderator(comment)
        ):
            comment.is_picture_sensitive = is_picture_sensitive
    comment.edited_at = timezone.now()
    # A moderator's approval in advance was for the words they read, not these.
    comment.is_approved = False
    if was_published and status == Comment.Status.PENDING:
        comment.held_at = timezone.now()  # joins the moderators' queue now
    if status == Comment.Status.PENDING:
        reasons = [*decision.reasons, EDITED]
        comment.moderation_reasons = list(dict.fromkeys([*comment.moderation_reasons, *reasons]))
    comment.status = status
    with transaction.atomic():
        comment.save(
            update_fields=[
                "body",
                "body_html",
                "image_alt",
                "is_picture_sensitive",
                "edited_at",
                "is_approved",
                "status",
                "held_at",
                "moderation_reasons",
            ]
        )
    pictures.sync_visibility(comment)  # held again: its picture leaves the public folder
    freshness.thread_changed(comment.article_id)
    if decision.crisis:
        crisis.flag(comment, decision.crisis)
    if was_published and status == Comment.Status.PENDING:
        notifications.tell_moderators()
    if status == Comment.Status.AWAITING_EMAIL:
        subscriptions.ask_to_confirm(author.subscriber, author.guest_key, author.typed_name)
    return status, decision


def remove_comment(comment):
    """The author deletes a post. Its replies stay, under a "removed" placeholder."""
    pictures.delete_files(comment)
    comment.image = comment.image_thumb = ""
    comment.body = ""
    comment.body_html = ""
    comment.image_alt = ""
    comment.image_width = comment.image_height = None
    comment.status = Comment.Status.REMOVED
    comment.save()
    reports.close_reports(comment, None, Report.State.WITHDRAWN)
    freshness.thread_changed(comment.article_id)
