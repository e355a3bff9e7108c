"""Crisis first: a post reported as self-harm or crisis, or caught by a crisis phrase, reaches a
person at once.

- `flag(comment, why)` marks the post urgent (top of "Waiting for review", the urgent count on
  the admin index) and, once the write commits, mails the on-call moderators: the staff
  accounts MODERATION_ON_CALL names, else the Moderators group. Not the digest: that waits up
  to 30 minutes.
- `escalate_unanswered()` (manage.py escalate_crisis, every minute) mails every active staff
  account about each urgent post nobody has acted on within CRISIS_ESCALATION_MINUTES.
- `settle(comment)`: a moderator decided (approved, rejected, spam): no longer urgent.
- `send_support(comment, hidden=...)`: the kind message with the crisis resources staff keep in
  the admin (CrisisResource), sent by the moderator's answer (moderator_actions.respond_to_crisis:
  the post shown to members only, or held out of sight altogether).
"""

import datetime
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import Truncator

from accounts import mail, subscriptions
from comments.models import Comment, CrisisResource
from comments.notifications import MODERATORS_GROUP

logger = logging.getLogger(__name__)


def flag(comment, why):
    """Mark `comment` urgent and alert the on-call moderators (once per urgent spell: a second
    crisis report of the same post waits for the same person)."""
    now = timezone.now()
    became_urgent = Comment.objects.filter(pk=comment.pk, urgent_at=None).update(
        is_urgent=True, urgent_at=now, escalated_at=None
    )
    comment.is_urgent = True
    if became_urgent:
        comment.urgent_at = now
        transaction.on_commit(lambda: _alert(comment.pk, why, on_call_moderators(), "crisis_alert"))


def settle(comment):
    """A moderator acted on the post: it leaves the urgent list, and no second alert goes."""
    Comment.objects.filter(pk=comment.pk).update(is_urgent=False, urgent_at=None, escalated_at=None)
    comment.is_urgent, comment.urgent_at, comment.escalated_at = False, None, None


def on_call_moderators():
    """The active staff accounts MODERATION_ON_CALL names; the Moderators group when it names
    none (or none of them can act)."""
    users = get_user_model().objects.filter(is_active=True)
    named = [address.lower() for address in settings.MODERATION_ON_CALL]
    if named:
        on_call = list(users.filter(email__in=named, is_staff=True))
        if on_call:
            return on_call
        logger.warning("MODERATION_ON_CALL names no active staff account: alerting Moderators")
    return list(users.filter(groups__name=MODERATORS_GROUP).distinct())


def escalate_unanswered(now=None):
    """Alert all active staff about each urgent post nobody acted on in time. Returns how many
    posts were escalated."""
    now = now or timezone.now()
    overdue = now - datetime.timedelta(minutes=settings.CRISIS_ESCALATION_MINUTES)
    staff = list(get_user_model().objects.filter(is_active=True, is_staff=True))
    escalated = 0
    for pk in Comment.objects.filter(
        is_urgent=True, urgent_at__lte=overdue, escalated_at=None
    ).values_list("pk", flat=True):
        # Claimed first: two runs at once alert once.
        if Comment.objects.filter(pk=pk, escalated_at=None).update(escalated_at=now):
            _alert(pk, "", staff, "crisis_escalation")
            escalated += 1
    return escalated


def _alert(comment_id, why, recipients, template):
    comment = (
        Comment.objects.select_related("article").prefetch_related("reports").get(pk=comment_id)
    )
    reports = [
        {"reason": report.get_reason_display(), "note": report.note}
        for report in comment.reports.all()
    ]
    link = settings.SITE_URL + reverse("admin:comments_comment_change", args=[comment.pk])
    for person in recipients:
        mail.send_template(
            template,
            to=person.email,
            context={
                "name": person.display_name,
                "why": why,
                "article": comment.article.title,
                "excerpt": Truncator(comment.body).words(40) or "",
                "reports": reports,
                "minutes": settings.CRISIS_ESCALATION_MINUTES,
                "link": link,
            },
            key=f"{template}:{comment.pk}:{comment.urgent_at:%Y%m%d%H%M%S}:{person.pk}",
        )


def resources_for(language):
    """The crisis resources for readers of `language` (and those for any language)."""
    code = (language or "").split("-")[0]
    return [
        resource
        for resource in CrisisResource.objects.all()
        if not resource.language or resource.language.split("-")[0] == code
    ]


def send_support(comment, *, hidden):
    """The kind message to the author of a post a moderator answered as a possible crisis
    (moderator_actions.respond_to_crisis). Returns True when there was somebody to write to."""
    if comment.author_user_id:
        email, name, unsubscribe = comment.author_user.email, comment.author_user.display_name, ""
    elif comment.author_subscriber_id:
        subscriber = comment.author_subscriber
        email, name = subscriber.email, subscriber.name
        unsubscribe = subscriptions.unsubscribe_url(subscriber)
    else:
        return False  # a former member: nobody to write to
    language = settings.LANGUAGE_CODE
    reply_to = settings.MODERATION_REPLY_TO
    with translation.override(language):
        mail.send_template(
            "crisis_support",
            to=email,
            context={
                "name": name,
                "article": comment.article.title,
                "hidden": hidden,
                "resources": resources_for(language),
                "reply_to": reply_to,
                "unsubscribe_url": unsubscribe,
            },
            key=f"crisis-support:{comment.pk}:{timezone.now():%Y%m%d%H%M%S%f}",
            headers={"Reply-To": reply_to} if reply_to else None,
        )
    return True
