"""What moderators do to posts and authors. Every action is written to the audit log once."""

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from accounts import mail, privacy, subscriptions
from accounts.addresses import inbox_of
from comments import appeal_links, crisis, notifications, pictures, reasons, reports
from comments.models import Ban, Comment, ModerationAction, RejectionReason, Report
from comments.text import clean_comment_text, render_comment_text
from kindred import freshness

WAITING = (Comment.Status.PENDING, Comment.Status.AWAITING_EMAIL)


def log(actor, action, *, comment=None, subject="", before="", after="", note="", text_before=""):
    return ModerationAction.objects.create(
        text_before=text_before,
        actor=actor,
        action=action,
        comment=comment,
        subject=subject or (f"comment {comment.pk} by {comment.author_name}" if comment else ""),
        status_before=before,
        status_after=after,
        note=note,
    )


def approve(comment, actor, note=""):
    """Publish a waiting or reported post. A guest's unconfirmed post is approved in advance:
    it goes live when the guest confirms their address, never before.

    A rejected or spam post lost its picture for good: approving it brings back its text only,
    and a post that was only a picture cannot be approved (returns False)."""
    if not (comment.body or comment.image):
        crisis.settle(comment)  # removed by its author, say: the moderator has looked at it
        return False
    before = comment.status
    with transaction.atomic():
        if comment.status == Comment.Status.AWAITING_EMAIL:
            comment.is_approved = True
        else:
            comment.status = Comment.Status.PUBLISHED
        comment.rejection_reason = None
        comment.save(update_fields=["status", "is_approved", "rejection_reason"])
        crisis.settle(comment)  # a moderator decided: no second alert
        reports.close_reports(comment, actor, Report.State.DISMISSED)
        appeal = None
        if before in (Comment.Status.REJECTED, Comment.Status.SPAM):
            # Back up after all: its readers' reports no longer say it was taken down.
            taken_down = Report.objects.filter(comment=comment, state=Report.State.RESOLVED)
            taken_down.update(state=Report.State.DISMISSED, handled_by=actor)
            appeal = appeal_links.close_restored(comment, actor)  # an appeal waited: answered
        log(actor, "approve", comment=comment, before=before, after=comment.status, note=note)
        if appeal is not None:
            log(actor, "appeal: restored", comment=comment, before=before, after=comment.status)
    pictures.sync_visibility(comment)
    freshness.thread_changed(comment.article_id)
    if comment.is_published and before != Comment.Status.PUBLISHED:
        notifications.comment_published(comment)
        if before == Comment.Status.PENDING:
            _tell_author(comment, "approved")
    if appeal is not None:
        tell_appeal_outcome(appeal)


def reject(comment, actor, reason, note=""):
    """Take a post down for `reason` (a RejectionReason, or its code), with the moderator's own
    words (`note`) for its author. A held or published post's author is mailed the reason, the
    note and, the first time, a link to appeal (comments/appeals.py)."""
    if not isinstance(reason, RejectionReason):
        reason = RejectionReason.objects.get(code=reason)
    before = comment.status
    with transaction.atomic():
        comment.status = Comment.Status.REJECTED
        comment.rejection_reason = reason
        comment.save(update_fields=["status", "rejection_reason"])
        _unpin(comment, actor)
        crisis.settle(comment)
        reports.close_reports(comment, actor, Report.State.RESOLVED)
        log(
            actor,
            "reject",
            comment=comment,
            before=before,
            after=comment.status,
            note=f"{reason.text} {note}".strip(),
        )
    pictures.sync_visibility(comment)  # its picture is deleted
    freshness.thread_changed(comment.article_id)
    if before in (Comment.Status.PENDING, Comment.Status.PUBLISHED):
        _tell_author(comment, "rejected", note=note, rejected_by=actor)


def mark_spam(comment, actor, note=""):
    before = comment.status
    with transaction.atomic():
        comment.status = Comment.Status.SPAM
        comment.save(update_fields=["status"])
        _unpin(comment, actor)
        crisis.settle(comment)
        reports.close_reports(comment, actor, Report.State.RESOLVED)
        log(actor, "mark spam", comment=comment, before=before, after=comment.status, note=note)
    pictures.sync_visibility(comment)  # its picture is deleted
    freshness.thread_changed(comment.article_id)


def show_to_members_only(comment, actor, members_only=True):
    """Move a post to members only (or back to everyone), without the crisis answer's message.
    A members-only post is not pinned. Returns False when it was so already."""
    if comment.members_only == members_only:
        return False
    with transaction.atomic():
        comment.members_only = members_only
        comment.save(update_fields=["members_only"])
        if members_only:
            _unpin(comment, actor)
            _replies_to_members_only(comment)
        action = "members only" if members_only else "shown to everyone"
        log(actor, action, comment=comment, before=comment.status, after=comment.status)
    pictures.sync_visibility(comment)
    freshness.thread_changed(comment.article_id)
    return True


def replies_under(comment):
    """Every post under `comment`: its replies, theirs, and so on."""
    found, frontier = [], [comment.pk]
    while frontier:
        below = list(Comment.objects.filter(parent__in=frontier))
        found += below
        frontier = [reply.pk for reply in below]
    return found


def _replies_to_members_only(comment):
    """Replies follow their post to members only (they often quote it); back to everyone, they
    stay for members until a moderator moves each."""
    for reply in replies_under(comment):
        if not reply.members_only:
            reply.members_only = True
            reply.save(update_fields=["members_only"])
            pictures.sync_visibility(reply)


def _unpin(comment, actor):
    """A post taken out of everyone's view is no longer pinned (restored, it is not pinned
    again by itself)."""
    if comment.is_pinned:
        comment.is_pinned = False
        comment.save(update_fields=["is_pinned"])
        log(actor, "unpin", comment=comment, before=comment.status, after=comment.status)


def dismiss_reports(comment, actor):
    """The post stays as it is: its open reports are dismissed (kept, and their readers told),
    and it is no longer urgent. Returns how many reports were dismissed."""
    with transaction.atomic():
        dismissed = reports.close_reports(comment, actor, Report.State.DISMISSED)
        crisis.settle(comment)
        log(actor, "dismiss reports", comment=comment, before=comment.status, after=comment.status)
    return dismissed


HIDDEN_IN_CRISIS = reasons.HIDDEN_IN_CRISIS


def respond_to_crisis(comment, actor, *, hide_fully):
    """A moderator's answer to a possible crisis, in one action: the post is shown to members
    only (not to anonymous readers, guests or search engines), or hidden from everyone but its
    author (it waits in the queue, not rejected: nothing is deleted); it is settled; its author
    gets the kind message with the crisis resources. Returns True when the author was mailed."""
    before = comment.status
    with transaction.atomic():
        if hide_fully and comment.status == Comment.Status.PUBLISHED:
            comment.status = Comment.Status.PENDING
            comment.held_at = timezone.now()
            comment.moderation_reasons = [*comment.moderation_reasons, HIDDEN_IN_CRISIS]
        comment.members_only = comment.members_only or not hide_fully
        comment.save(update_fields=["status", "held_at", "moderation_reasons", "members_only"])
        if comment.members_only:
            _replies_to_members_only(comment)
        _unpin(comment, actor)  # a possible crisis is not held up to the thread
        crisis.settle(comment)
        closed = Report.State.RESOLVED if hide_fully else Report.State.ACTED
        reports.close_reports(comment, actor, closed)
        action = "crisis: hidden" if hide_fully else "crisis: members only"
        log(actor, action, comment=comment, before=before, after=comment.status)
    pictures.sync_visibility(comment)
    freshness.thread_changed(comment.article_id)
    return crisis.send_support(comment, hidden=hide_fully)


MARKED_SENSITIVE = "picture: sensitive"
UNMARKED_SENSITIVE = "picture: not sensitive"


def mark_picture_sensitive(comment, actor, *, is_sensitive=True):
    """Show a post's picture blurred, behind "Sensitive picture — show" (or no longer). Returns
    False when there is nothing to change: no picture, or already so."""
    if not comment.image or comment.is_picture_sensitive == is_sensitive:
        return False
    with transaction.atomic():
        comment.is_picture_sensitive = is_sensitive
        comment.save(update_fields=["is_picture_sensitive"])
        action = MARKED_SENSITIVE if is_sensitive else UNMARKED_SENSITIVE
        log(actor, action, comment=comment, before=comment.status, after=comment.status)
    freshness.thread_changed(comment.article_id)
    return True


def is_sensitive_by_moderator(comment):
    """Whether a moderator's mark is what makes the picture sensitive: its author may then not
    take it off with an edit."""
    if not comment.is_picture_sensitive:
        return False
    latest = (
        ModerationAction.objects.filter(
            comment=comment, action__in=[MARKED_SENSITIVE, UNMARKED_SENSITIVE]
        )
        .order_by("-created_at", "-pk")
        .values_list("action", flat=True)
        .first()
    )
    return latest == MARKED_SENSITIVE


class CannotBan(ValueError):
    """A ban the moderation tools may not make, with the reason for the person who tried."""


def check_bannable(*, user=None, email=""):
    """Staff and superusers are not banned from the moderation queue (a moderator could lock
    out the people who review them); their access is changed on their account instead. A ban
    holds for an inbox, so no address that reaches a staff member's inbox is banned either
    (staff+x@ is staff@)."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    staff = get_user_model().objects.filter(Q(is_staff=True) | Q(is_superuser=True))
    addresses = [email, *(privacy.verified_addresses(user) if user is not None else [])]
    inboxes = {inbox_of(address) for address in addresses if address and address.strip()}
    staff_addresses = [
        *staff.values_list("email", flat=True),
        *EmailAddress.objects.filter(user__in=staff).values_list("email", flat=True),
    ]
    if (user is not None and (user.is_staff or user.is_superuser)) or (
        inboxes & {inbox_of(address) for address in staff_addresses if address}
    ):
        raise CannotBan(
            gettext(
                "Staff members and superusers cannot be banned. To stop one, a superuser "
                "removes their staff status on their account."
            )
        )


def ban_author(comment, actor, reason, until=None, *, hide_posts=False):
    """Ban (or suspend until a date) the author of `comment`; their waiting posts are rejected,
    and with `hide_posts` their published ones too (no mail for each). They are told by mail.
    Raises CannotBan for a staff member or a superuser."""
    check_bannable(
        user=comment.author_user if comment.author_user_id else None,
        email=comment.author_subscriber.email if comment.author_subscriber_id else "",
    )
    with transaction.atomic():
        if comment.author_user_id:
            user, email = comment.author_user, ""
        elif comment.author_subscriber_id:
            user, email = None, comment.author_subscriber.email
        else:
            return None
        ban = Ban.objects.create(
            user=user,
            email=email,
            email_hash=ban_key(user=user, email=email),
            until=until,
            reason=reason,
            created_by=actor,
        )
        action = "ban" if until is None else "suspend"
        log(actor, action, comment=comment, subject=str(ban), note=reason)
        reject_waiting_posts_of(ban, actor)
        if hide_posts:
            _hide_published_posts_of(ban, actor)
    tell_banned(ban)
    return ban


def _hide_published_posts_of(ban, actor):
    """The banned person's published posts leave the conversation (rejected without a mail
    each: the ban's own mail tells them), logged one by one."""
    posts = Comment.objects.filter(status=Comment.Status.PUBLISHED)
    if ban.user_id:
        posts = posts.filter(author_user=ban.user)
    else:
        posts = posts.filter(author_user=None, author_subscriber__email__iexact=ban.email)
    for post in posts:
        post.status = Comment.Status.REJECTED
        post.save(update_fields=["status"])
        _unpin(post, actor)
        reports.close_reports(post, actor, Report.State.RESOLVED)
        log(actor, "hide (author banned)", comment=post, before="published", after=post.status)
        pictures.sync_visibility(post)
        freshness.thread_changed(post.article_id)


def tell_banned(ban):
    """Mail the person banned or suspended: why, until when, and where to write."""
    to = ban.user.email if ban.user_id else ban.email
    if not to:
        return
    name = ban.user.display_name if ban.user_id else ""
    reply_to = settings.MODERATION_REPLY_TO
    mail.send_template(
        "ban_notice",
        to=to,
        context={
            "name": name,
            "reason": ban.reason,
            "until": ban.until,
            "lifted": ban.until is not None and ban.until <= timezone.now(),
            "reply_to": reply_to,
        },
        key=f"ban-notice:{ban.pk}:{ban.until:%Y%m%d%H%M%S}" if ban.until else f"ban:{ban.pk}",
        reply_to=reply_to,
    )


def lift_ban(ban, actor):
    """End a ban or suspension now (it is kept, ended, in the list and the log); the person is
    told. Returns False when it had ended already."""
    now = timezone.now()
    if ban.until is not None and ban.until <= now:
        return False
    ban.until = now
    ban.save(update_fields=["until"])
    log(actor, "lift ban", subject=str(ban), note=ban.reason)
    tell_banned(ban)
    return True


def ban_key(*, user=None, email=""):
    """What a new ban is matched on (Ban.email_hash): the hashed inbox of its address, or of
    the banned member's account address (accounts.privacy.address_hash)."""
    return privacy.address_hash(email or (user.email if user is not None else ""))


def moderator_edit(comment, actor, *, body, image_alt=None):
    """A moderator changes a post's text (a redaction, say): what readers see is rebuilt as
    posting builds it (body_html), cached pages follow, and the audit log keeps the words as
    they were. Not put through the policy: the moderator is
    the one who decides. Returns the audit log entry, or None when nothing changed."""
    body = clean_comment_text(body)
    if not body and not comment.image:
        raise ValueError(gettext("Every post needs text or a picture: reject it to take it down."))
    image_alt = comment.image_alt if image_alt is None or not comment.image else image_alt.strip()
    changed = [
        name
        for name, old, new in (
            ("text", comment.body, body),
            ("picture description", comment.image_alt, image_alt),
        )
        if old != new
    ]
    if not changed:
        return None
    before = f"Text: {comment.body}"
    if comment.image:
        before += f"\nPicture description: {comment.image_alt}"
    with transaction.atomic():
        comment.body = body
        comment.body_html = render_comment_text(body)
        comment.image_alt = image_alt
        comment.save(update_fields=["body", "body_html", "image_alt"])
        entry = log(
            actor,
            "edit",
            comment=comment,
            before=comment.status,
            after=comment.status,
            note="changed: " + ", ".join(changed),
            text_before=before,
        )
    freshness.thread_changed(comment.article_id)
    return entry


def reject_waiting_posts_of(ban, actor):
    """One step: every waiting post of the person banned is rejected (and logged): the banned
    member's, and any written with an address that reaches the same inbox (bob+2@ is bob@)."""
    addresses = [ban.email, *(privacy.verified_addresses(ban.user) if ban.user_id else [])]
    inboxes = {inbox_of(address) for address in addresses if address}
    waiting = Comment.objects.filter(status__in=WAITING).select_related(
        "author_user", "author_subscriber"
    )
    for post in waiting:  # the queue: a few hundred posts at most
        author = post.author_user or post.author_subscriber
        is_theirs = bool(ban.user_id) and post.author_user_id == ban.user_id
        if not (is_theirs or (author and inbox_of(author.email) in inboxes)):
            continue
        before = post.status
        post.status = Comment.Status.REJECTED
        post.save(update_fields=["status"])
        crisis.settle(post)
        reports.close_reports(post, actor, Report.State.RESOLVED)
        log(actor, "reject (author banned)", comment=post, before=before, after=post.status)
        pictures.sync_visibility(post)  # its picture is deleted
        freshness.thread_changed(post.article_id)


def tell_appeal_outcome(appeal):
    """Mail the author what the second moderator decided (restored, or upheld), with their
    note."""
    comment = appeal.comment
    recipient = author_address(comment)
    if recipient is None:
        return
    email, name = recipient
    mail.send_template(
        "appeal_outcome",
        to=email,
        context={
            "name": name,
            "restored": appeal.outcome == "restored",
            "article": comment.article,
            "comment": comment,
            "note": appeal.decision_note,
            "post_url": settings.SITE_URL + comment.get_absolute_url(),
            "reply_to": settings.MODERATION_REPLY_TO,
        },
        key=f"appeal-outcome:{appeal.pk}",
        reply_to=settings.MODERATION_REPLY_TO,
    )


def author_address(comment):
    """(address, name) of the author a moderation mail about `comment` goes to, or None: a
    member, or a guest whose address is confirmed."""
    if comment.author_user_id:
        return comment.author_user.email, comment.author_user.display_name
    if comment.author_subscriber_id and comment.author_subscriber.is_confirmed:
        return comment.author_subscriber.email, comment.author_subscriber.name
    return None


def _tell_author(comment, outcome, note="", rejected_by=None):
    """A short mail to the author about a held post: approved, or rejected and why (with the
    moderator's own words, `note`, when they wrote some), where to write back and, the first
    time a post is rejected, the link to appeal (sealed at rest: it is a secret)."""
    recipient = author_address(comment)
    if recipient is None:
        return
    email, name = recipient
    appeal_url = appeal_links.offer(comment, rejected_by) if outcome == "rejected" else ""
    mail.send_template(
        "moderation_outcome",
        to=email,
        context={
            "name": name,
            "outcome": outcome,
            "comment": comment,
            "article": comment.article,
            # The reason itself: its text is read as the mail is rendered, in the recipient's
            # language (comments/translation.py), not in the moderator's.
            "reason": comment.rejection_reason,
            "post_url": settings.SITE_URL + comment.get_absolute_url(),
            "note": note,
            "appeal_url": appeal_url,
            "appeal_days": appeal_links.APPEAL_DAYS,
            # Only an inbox the moderators read is offered for a second look.
            "reply_to": settings.MODERATION_REPLY_TO,
            # A guest's mail links to their data pages (under the unsubscribe link).
            "unsubscribe_url": ""
            if comment.author_user_id
            else subscriptions.unsubscribe_url(comment.author_subscriber),
        },
        key=f"moderation:{outcome}:{comment.pk}:{timezone.now():%Y%m%d%H%M%S%f}",
        reply_to=settings.MODERATION_REPLY_TO,
        sensitive=bool(appeal_url),
    )
