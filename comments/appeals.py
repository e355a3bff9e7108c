"""Appeals: the author of a rejected post asks, once, for a second look.

The rejection mail carries a link of its own (comments/appeal_links.py): only the link's hash
is kept, the mail is sealed until it is sent (accounts.mail, `sensitive`), and the link works
for APPEAL_DAYS.
The author writes why the post should stand (`submit`): the appeal waits in the admin's
Appeals list and in the moderators' digest, for a moderator other than the one who rejected the
post (`decide`), who restores the post or upholds the rejection. The author is mailed the
outcome, and every step is in the audit log.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from comments import moderator_actions, notifications
from comments.appeal_links import APPEAL_DAYS
from comments.models import Appeal, Comment


class CannotDecide(ValueError):
    """An appeal this moderator may not decide, with the reason for them."""


def expires_at(appeal):
    return appeal.offered_at + datetime.timedelta(days=APPEAL_DAYS)


def state(appeal):
    """What the link's page says: "open" (the form), "sent", "decided", "moot" (the post is no
    longer rejected: a moderator restored it meanwhile) or "expired"."""
    if appeal.outcome:
        return "decided"
    if appeal.submitted_at:
        return "sent"
    if appeal.comment.status != Comment.Status.REJECTED:
        return "moot"
    if timezone.now() > expires_at(appeal):
        return "expired"
    return "open"


def submit(appeal, text):
    """The author's appeal, sent: it waits for a second moderator. Returns False when the link
    was used already (two tabs, say), so nothing is sent twice."""
    with transaction.atomic():
        sent = Appeal.objects.filter(pk=appeal.pk, submitted_at=None).update(
            text=text, submitted_at=timezone.now()
        )
        if not sent:
            return False
        moderator_actions.log(
            None, "appeal sent", comment=appeal.comment, before="rejected", after="rejected"
        )
    transaction.on_commit(notifications.tell_moderators)
    return True


def may_decide(appeal, user):
    return appeal.rejected_by_id is None or appeal.rejected_by_id != user.pk


def decide(appeal, actor, outcome, note=""):
    """A second moderator's decision: restore the post (published again, its text only: its
    picture was deleted when it was rejected) or uphold the rejection. The author is mailed the
    outcome. Raises CannotDecide for the moderator who rejected the post, for an appeal already
    decided, and for a post that cannot be restored (it was only a picture)."""
    if not may_decide(appeal, actor):
        raise CannotDecide(gettext("You rejected this post: another moderator decides its appeal."))
    with transaction.atomic():
        appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
        comment = (
            Comment.objects.select_for_update(of=("self",))
            .select_related("article", "author_user", "author_subscriber")
            .get(pk=appeal.comment_id)
        )
        appeal.comment = comment
        if appeal.outcome or not appeal.submitted_at:
            raise CannotDecide(gettext("This appeal has been decided already."))
        if outcome == Appeal.Outcome.RESTORED and comment.status != Comment.Status.REJECTED:
            raise CannotDecide(
                gettext(
                    "The post is no longer rejected (it is now: %(status)s), so it cannot be "
                    "restored from here. Uphold the appeal, or decide the post on its own page."
                )
                % {"status": comment.get_status_display()}
            )
        before = comment.status
        appeal.outcome = outcome
        appeal.decided_by = actor
        appeal.decided_at = timezone.now()
        appeal.decision_note = note
        appeal.save(update_fields=["outcome", "decided_by", "decided_at", "decision_note"])
        if outcome == Appeal.Outcome.RESTORED:
            restored = moderator_actions.approve(comment, actor, note="on appeal")
            if restored is False:
                raise CannotDecide(
                    gettext(
                        "This post was only a picture, deleted when it was rejected: it "
                        "cannot be restored. Uphold the rejection and say so in the note."
                    )
                )
        moderator_actions.log(
            actor,
            f"appeal: {outcome}",
            comment=comment,
            before=before,
            after=comment.status,
            note=note,
        )
    moderator_actions.tell_appeal_outcome(appeal)
    return appeal
