"""The link a rejection mail carries to appeal, once (comments/appeals.py does the rest): a
random token whose hash only is kept. Apart from appeals.py so that moderator_actions, which
writes the mail, does not import the module that calls it."""

import hashlib
import secrets

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from comments.models import Appeal

APPEAL_DAYS = 30


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def offer(comment, rejected_by):
    """The link to appeal the rejection of `comment`, made now; "" when its author was given one
    already (a post is appealed once, even if it is rejected again after being restored). An
    unused link then appeals this latest rejection: its moderator may not decide it."""
    token = secrets.token_urlsafe(32)
    appeal, made = Appeal.objects.get_or_create(
        comment=comment,
        defaults={
            "rejected_by": rejected_by,
            "reason": comment.rejection_reason,
            "token_hash": _hash(token),
        },
    )
    if made:
        return settings.SITE_URL + reverse("comments:appeal", args=[token])
    if appeal.submitted_at is None:
        appeal.rejected_by, appeal.reason = rejected_by, comment.rejection_reason
        appeal.save(update_fields=["rejected_by", "reason"])
    return ""


def close_restored(comment, actor):
    """A moderator approved a rejected post whose appeal waited: the appeal is closed as
    restored, by them. Returns the appeal closed, or None."""
    appeal = Appeal.objects.filter(comment=comment, outcome="").exclude(submitted_at=None).first()
    if appeal is None:
        return None
    appeal.outcome = Appeal.Outcome.RESTORED
    appeal.decided_by, appeal.decided_at = actor, timezone.now()
    appeal.save(update_fields=["outcome", "decided_by", "decided_at"])
    return appeal


def find(token):
    """The appeal a link's token opens, or None."""
    if not token or len(token) > 100:
        return None
    appeals = Appeal.objects.select_related("comment__article", "reason", "comment__author_user")
    return appeals.filter(token_hash=_hash(token)).first()
