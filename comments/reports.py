"""Readers' tools: reporting a post, and the hug reaction."""

from django.db import IntegrityError, transaction
from django.db.models import F

from articles.models import Article
from comments import notifications, pictures
from comments.models import Comment, Hug, ModerationRules, Report


def has_reported(comment, author):
    reports = Report.objects.filter(comment=comment)
    if author.is_member:
        return reports.filter(reporter_user=author.user).exists()
    return reports.filter(reporter_subscriber=author.subscriber).exists()


def report_comment(comment, author, reason, note=""):
    """One report per reader per post. Returns False if this reader had already reported it."""
    try:
        with transaction.atomic():
            Report.objects.create(
                comment=comment,
                reporter_user=author.user,
                reporter_subscriber=None if author.is_member else author.subscriber,
                reason=reason,
                note=note,
            )
            updates = {"report_count": F("report_count") + 1}
            if reason == Report.Reason.SELF_HARM:
                updates["is_urgent"] = True  # straight to the top of the moderators' queue
            Comment.objects.filter(pk=comment.pk).update(**updates)
    except IntegrityError:
        return False
    _hide_if_reported_enough(comment)
    return True


def _hide_if_reported_enough(comment):
    """K distinct readers reported it: hidden until a moderator looks."""
    comment.refresh_from_db(fields=["report_count", "status", "moderation_reasons", "held_at"])
    threshold = ModerationRules.current().report_threshold
    if comment.is_published and comment.report_count >= threshold:
        comment.status = Comment.Status.PENDING
        comment.held_at = None
        comment.moderation_reasons = [
            *comment.moderation_reasons,
            f"reported by {comment.report_count} readers",
        ]
        comment.save(update_fields=["status", "moderation_reasons"])
        pictures.sync_visibility(comment)  # hidden: its picture is no longer public
        notifications.tell_moderators()


def toggle_hug(comment, user):
    """A member hugs a post, or takes the hug back. Returns True when the hug now stands."""
    with transaction.atomic():
        deleted, _ = Hug.objects.filter(comment=comment, user=user).delete()
        if deleted:
            Comment.objects.filter(pk=comment.pk).update(hug_count=F("hug_count") - 1)
        else:
            Hug.objects.create(comment=comment, user=user)
            Comment.objects.filter(pk=comment.pk).update(hug_count=F("hug_count") + 1)
        Article.thread_changed(comment.article_id)  # the count shows on the page
        return not deleted
