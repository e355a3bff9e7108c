"""Reply mails: the parent's author hears about replies, at most once per thread an hour."""

import datetime

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone

from accounts import mail, subscriptions
from accounts.models import Subscriber, User
from comments.models import ReplyNotice

REPLIES_OFF_SALT = "comments.notifications.replies-off"


def comment_published(comment):
    """Called once a comment is public. Records a notice for the parent's author, if any."""
    parent = comment.parent
    if parent is None:
        return
    recipient = _recipient(parent)
    if recipient is None or _same_person(parent, comment):
        return
    user, subscriber = recipient
    ReplyNotice.objects.create(
        recipient_user=user,
        recipient_subscriber=subscriber,
        thread_id=comment.root_id or parent.pk,
        reply=comment,
    )
    send_due(user=user, subscriber=subscriber, thread_id=comment.root_id or parent.pk)


def _recipient(parent):
    if parent.author_user_id:
        user = parent.author_user
        return (user, None) if user.is_active and user.notify_replies else None
    subscriber = parent.author_subscriber
    if subscriber is not None and subscriber.is_confirmed and subscriber.notify_replies:
        return (None, subscriber)
    return None


def _same_person(parent, comment):
    if parent.author_user_id:
        return parent.author_user_id == comment.author_user_id
    return comment.author_user_id is None and (
        parent.author_subscriber_id == comment.author_subscriber_id
    )


def send_due(*, user=None, subscriber=None, thread_id):
    """Mail the waiting notices of one person and thread, unless they had one within the hour."""
    notices = ReplyNotice.objects.filter(
        recipient_user=user, recipient_subscriber=subscriber, thread_id=thread_id
    )
    window = datetime.timedelta(seconds=settings.COMMENTS_REPLY_MAIL_SECONDS)
    if notices.filter(sent_at__gt=timezone.now() - window).exists():
        return False
    waiting = list(
        notices.filter(sent_at=None)
        .select_related("reply__author_user", "reply__author_subscriber", "reply__article")
        .order_by("pk")
    )
    # A reply a moderator showed to members only is not mailed to a guest.
    replies = [
        n.reply for n in waiting if n.reply.is_published and (user or not n.reply.members_only)
    ]
    if not replies:
        return False
    email = user.email if user else subscriber.email
    name = user.display_name if user else subscriber.name
    article = replies[0].article
    replies_off_url = settings.SITE_URL + replies_off_path(user, subscriber)
    # The mail program's unsubscribe button stops these mails (RFC 8058 one-click POST).
    headers = {
        "List-Unsubscribe": f"<{replies_off_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    mail.send_template(
        "reply_notification",
        to=email,
        context={
            "name": name,
            "replies": replies,
            "article": article,
            "thread_url": settings.SITE_URL + replies[-1].get_absolute_url(),
            "replies_off_url": replies_off_url,
            # A guest's mail links to their data pages (under the unsubscribe link).
            "unsubscribe_url": subscriptions.unsubscribe_url(subscriber) if subscriber else "",
        },
        key=f"reply:{'u' if user else 's'}{(user or subscriber).pk}:{thread_id}:{waiting[-1].pk}",
        headers=headers,
    )
    ReplyNotice.objects.filter(pk__in=[n.pk for n in waiting]).update(sent_at=timezone.now())
    return True


def send_all_due():
    """For the periodic command: flush every person/thread whose hour has passed."""
    groups = (
        ReplyNotice.objects.filter(sent_at=None)
        .values("recipient_user", "recipient_subscriber", "thread")
        .annotate(last=Max("pk"))
    )
    sent = 0
    for group in groups:
        user = User.objects.filter(pk=group["recipient_user"]).first()
        subscriber = Subscriber.objects.filter(pk=group["recipient_subscriber"]).first()
        if user is None and subscriber is None:
            continue
        sent += send_due(user=user, subscriber=subscriber, thread_id=group["thread"])
    return sent


def replies_off_path(user=None, subscriber=None):
    payload = {"u": user.pk} if user else {"s": subscriber.pk}
    token = signing.dumps(payload, salt=REPLIES_OFF_SALT)
    return reverse("comments:replies-off", args=[token])


def turn_off_replies(token):
    """Returns True when the token named a member or subscriber whose reply mails are now off."""
    try:
        data = signing.loads(token, salt=REPLIES_OFF_SALT)
    except signing.BadSignature:
        return False
    if not isinstance(data, dict):
        return False
    if "u" in data:
        return User.objects.filter(pk=data["u"]).update(notify_replies=False) == 1
    if "s" in data:
        return Subscriber.objects.filter(pk=data["s"]).update(notify_replies=False) == 1
    return False


DIGEST_OFF_SALT = "comments.notifications.digest-off"


def _digest_off_headers(moderator):
    """The digest's one-click unsubscribe (RFC 8058): it stops the digest, nothing else."""
    token = signing.dumps({"u": moderator.pk}, salt=DIGEST_OFF_SALT)
    url = settings.SITE_URL + reverse("comments:digest-off", args=[token])
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def turn_off_digest(token):
    """True when the token named a member whose moderators' digest is now off."""
    try:
        data = signing.loads(token, salt=DIGEST_OFF_SALT)
    except signing.BadSignature:
        return False
    if not isinstance(data, dict) or "u" not in data:
        return False
    return User.objects.filter(pk=data["u"]).update(moderator_digest=False) == 1


MODERATORS_GROUP = "Moderators"
DIGEST_INTERVAL = datetime.timedelta(minutes=30)


def tell_moderators(now=None):
    """Mail the Moderators group what is new for them, at most once every 30 minutes: posts
    that started waiting, posts newly reported, posts newly urgent, and appeals newly sent.

    Called whenever a post starts waiting; `send_moderator_digest` (cron) sends what arrived
    during the pause. Returns True when a digest went out.
    """
    from comments.models import Appeal, Comment, ModeratorDigest

    now = now or timezone.now()
    with transaction.atomic():
        digest, _ = ModeratorDigest.objects.select_for_update().get_or_create(pk=1)
        if digest.last_sent_at and now - digest.last_sent_at < DIGEST_INTERVAL:
            return False
        waiting = Comment.objects.filter(status=Comment.Status.PENDING)
        # Reported posts still public (too few reporters to hide them) are news for them too.
        open_reports = Q(reports__state="open")
        # Urgent posts wherever they are (awaiting a guest's address, say): the on-call
        # moderators heard of each at once (comments/crisis.py); the digest tells everyone.
        urgent = Comment.objects.filter(is_urgent=True)
        appeals = Appeal.objects.filter(submitted_at__isnull=False, outcome="")
        if digest.last_sent_at:
            appeals = appeals.filter(submitted_at__gt=digest.last_sent_at)
            waiting = waiting.filter(held_at__gt=digest.last_sent_at)
            open_reports &= Q(reports__created_at__gt=digest.last_sent_at)
            urgent = urgent.filter(urgent_at__gt=digest.last_sent_at)
        reported = Comment.objects.filter(open_reports, status=Comment.Status.PUBLISHED)
        news = Comment.objects.filter(
            Q(pk__in=waiting.values("pk"))
            | Q(pk__in=reported.values("pk"))
            | Q(pk__in=urgent.values("pk"))
        )
        new_items = list(
            news.select_related("article", "author_user", "author_subscriber").order_by(
                "-is_urgent", "held_at"
            )[:50]
        )
        new_appeals = list(appeals.select_related("comment__article", "reason")[:50])
        if not new_items and not new_appeals:
            return False
        since, digest.last_sent_at = digest.last_sent_at, now
        digest.save(update_fields=["last_sent_at"])
    total = Comment.objects.filter(status=Comment.Status.PENDING).count()
    moderators = User.objects.filter(
        groups__name=MODERATORS_GROUP, is_active=True, moderator_digest=True
    ).distinct()
    stamp = now.strftime("%Y%m%d%H%M%S")
    for moderator in moderators:
        mail.send_template(
            "moderator_digest",
            to=moderator.email,
            context={
                "name": moderator.display_name,
                "items": new_items,
                "appeals": new_appeals,
                "appeals_url": settings.SITE_URL
                + reverse("admin:comments_appeal_changelist")
                + "?state=waiting",
                "total": total,
                "since": since,
                "queue_url": settings.SITE_URL
                + reverse("admin:comments_comment_changelist")
                + "?queue=pending",
            },
            key=f"moderator-digest:{moderator.pk}:{stamp}",
            headers=_digest_off_headers(moderator),
        )
    return True
