"""Crisis first: a post reported as self-harm or crisis, or caught by a crisis phrase, reaches a
person at once.

- `flag(comment, why)` marks the post urgent (top of "Waiting for review", the urgent count on
  the admin index) and, once the write commits, mails the on-call moderators: the staff
  accounts MODERATION_ON_CALL names, else the Moderators group. Not the digest: that waits up
  to 30 minutes.
- `escalate_unanswered()` (manage.py escalate_crisis, every minute) mails every active staff
  account one summary of the urgent posts nobody acted on within CRISIS_ESCALATION_MINUTES.
- `settle(comment)`: a moderator decided (approve, reject, spam, a ban, dismissed reports, a
  crisis answer): no longer urgent.
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
from django.utils.functional import Promise, lazy
from django.utils.text import Truncator

from accounts import mail, subscriptions
from accounts.ratelimits import hit
from comments import reasons
from comments.models import Comment, CrisisResource
from comments.notifications import MODERATORS_GROUP
from kindred import languages

logger = logging.getLogger(__name__)


# At most this many immediate alerts a person on call gets an hour: past it (a flood of made-up
# reports, say) the posts still top the queue, and the escalation's one summary mail names them.
ALERTS_PER_HOUR = 10


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
        transaction.on_commit(lambda: _alert_on_call(comment.pk, why))


def settle(comment):
    """A moderator acted on the post: it leaves the urgent list, and no second alert goes."""
    Comment.objects.filter(pk=comment.pk).update(is_urgent=False, urgent_at=None, escalated_at=None)
    comment.is_urgent, comment.urgent_at, comment.escalated_at = False, None, None


def on_call_moderators():
    """The active staff accounts MODERATION_ON_CALL names; the Moderators group's active staff
    when it names none (or none of them can act)."""
    users = get_user_model().objects.filter(is_active=True, is_staff=True)
    named = [address.lower() for address in settings.MODERATION_ON_CALL]
    if named:
        on_call = list(users.filter(email__in=named))
        if on_call:
            return on_call
        logger.warning("MODERATION_ON_CALL names no active staff account: alerting Moderators")
    return list(users.filter(groups__name=MODERATORS_GROUP).distinct())


def escalate_unanswered(now=None):
    """Mail every active staff account one summary of the urgent posts nobody acted on in
    time. Returns how many posts it named."""
    now = now or timezone.now()
    overdue = now - datetime.timedelta(minutes=settings.CRISIS_ESCALATION_MINUTES)
    still_overdue = {"is_urgent": True, "urgent_at__lte": overdue, "escalated_at": None}
    claimed = []
    for pk in Comment.objects.filter(**still_overdue).values_list("pk", flat=True):
        # Claimed one by one, with the same conditions: two runs at once name a post once,
        # and a post a moderator settled meanwhile is left alone.
        if Comment.objects.filter(pk=pk, **still_overdue).update(escalated_at=now):
            claimed.append(pk)
    posts = [_described(post) for post in _with_reports(claimed)]
    if posts:
        staff = get_user_model().objects.filter(is_active=True, is_staff=True)
        _send("crisis_escalation", staff, {"posts": posts}, f"{now:%Y%m%d%H%M%S}")
    return len(posts)


def _alert_on_call(comment_id, why):
    posts = [_described(post) for post in _with_reports([comment_id])]
    if not posts:
        return  # deleted meanwhile
    recipients = on_call_moderators()
    if not recipients:
        logger.error("a possible crisis (post %s) and nobody on call to tell", comment_id)
    within = [
        person
        for person in recipients
        if hit("crisis-alert", person.pk, ALERTS_PER_HOUR, 3600, fail_closed=False)
    ]
    if len(within) < len(recipients):
        logger.warning("crisis alerts past %s an hour: post %s left to the escalation",
                       ALERTS_PER_HOUR, comment_id)  # fmt: skip
    # Why it is urgent: a report's reason (a lazy label, shown in the mail's language) or a
    # crisis phrase the policy caught (stored in English, comments/reasons.py), translated as
    # each mail is written too.
    why = why if isinstance(why, Promise) else _shown_reason(why)
    _send("crisis_alert", within, {"post": posts[0], "why": why}, f"{comment_id}:{posts[0]['at']}")


def _with_reports(pks):
    found = Comment.objects.filter(pk__in=pks).select_related("article")
    return found.prefetch_related("reports").order_by("urgent_at", "pk")


# Words worked out as each mail is written, in its recipient's language (one summary goes to
# moderators of either language): accounts.mail.send_template.
_shown_reason = lazy(reasons.shown, str)
_excerpt = lazy(lambda text: Truncator(text).words(40), str)  # its "…" is translated
_reason_of = lazy(lambda report: report.get_reason_display(), str)


def _described(comment):
    """What the mails say of a post: a report's note on one line (it is the reader's text),
    and whether its author removed it meanwhile (its words are gone then). Objects and lazy
    strings, never words read now: the article (its title in each recipient's language) and
    the reports' reasons are rendered in the language of each mail."""
    return {
        "article": comment.article,
        "excerpt": _excerpt(comment.body),
        "is_removed": comment.is_removed,
        "reports": [
            {"reason": _reason_of(report), "note": " ".join(report.note.split())}
            for report in comment.reports.all()
        ],
        "link": settings.SITE_URL + reverse("admin:comments_comment_change", args=[comment.pk]),
        "at": f"{comment.urgent_at or timezone.now():%Y%m%d%H%M%S}",
    }


def _send(template, recipients, context, key):
    for person in recipients:
        try:
            mail.send_template(
                template,
                to=person.email,
                context={
                    "name": person.display_name,
                    "minutes": settings.CRISIS_ESCALATION_MINUTES,
                    **context,
                },
                key=f"{template}:{key}:{person.pk}",
            )
        except Exception:  # one mail that cannot be queued must not stop the others
            logger.exception("could not queue %s for %s", template, person.pk)


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
        person, unsubscribe = comment.author_user, ""
        email, name = person.email, person.display_name
    elif comment.author_subscriber_id:
        person = subscriber = comment.author_subscriber
        email, name = subscriber.email, subscriber.name
        unsubscribe = subscriptions.unsubscribe_url(subscriber)
    else:
        return False  # a former member: nobody to write to
    # In the author's own language (their setting), with the resources that answer in it.
    language = languages.supported(person.language) or settings.LANGUAGE_CODE
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
            reply_to=reply_to,
        )
    return True
