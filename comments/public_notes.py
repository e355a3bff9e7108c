"""What moderators and medical reviewers say in public about a post, and the post pinned to the
top of a thread.

A note is shown under the post to every reader of it: a "Moderator's note" (unsigned: it is the
moderators' voice), or a "Reviewer's note" signed with the medical reviewer's name, for a
correction of medical misinformation instead of a silent deletion. One note per post; a
moderator may write either kind's text, a reviewer only their own signed note. One post per
article may be pinned (the database holds it to one). Every change is in the audit log and
shows on cached pages at once (kindred.freshness).
"""

from django.db import transaction
from django.utils.translation import gettext

from comments.models import Comment
from kindred import freshness

NOTE_MAX = 1000


class CannotChange(ValueError):
    """A note or pin this person may not make, with the reason for them."""


def may_write_notes(user):
    return user.has_perm("comments.change_comment") or user.has_perm("comments.write_public_note")


def reviewer_of(user):
    """The medical reviewer this staff account signs as, or None."""
    from articles.models import Reviewer

    return Reviewer.objects.filter(user=user).first() if user.is_authenticated else None


def _may_replace(comment, actor):
    """A note already on the post is changed or removed by a moderator, or by the reviewer
    who signed it."""
    if actor.has_perm("comments.change_comment"):
        return True
    signed_by = comment.public_note_reviewer
    return signed_by is not None and signed_by.user_id == actor.pk


def set_note(comment, actor, text, *, as_reviewer):
    """Attach (or replace) the post's public note. `as_reviewer`: signed with the actor's
    reviewer name, which they must have. Raises CannotChange."""
    from comments.moderator_actions import log

    text = "\n".join(line.rstrip() for line in text.strip().splitlines())
    if not text:
        raise CannotChange(gettext("Write the note first (or remove it)."))
    if len(text) > NOTE_MAX:
        raise CannotChange(gettext("A note is at most %(max)d characters.") % {"max": NOTE_MAX})
    if not may_write_notes(actor):
        raise CannotChange(gettext("You may not write notes on posts."))
    reviewer = reviewer_of(actor) if as_reviewer else None
    if as_reviewer and reviewer is None:
        raise CannotChange(
            gettext(
                "Only a medical reviewer whose profile names your account can sign a "
                "reviewer's note."
            )
        )
    if not as_reviewer and not actor.has_perm("comments.change_comment"):
        raise CannotChange(gettext("A medical reviewer's note is signed: choose “as reviewer”."))
    if comment.public_note and not _may_replace(comment, actor):
        raise CannotChange(
            gettext("Only a moderator, or the note's own reviewer, changes the note on a post.")
        )
    before = comment.public_note
    with transaction.atomic():
        comment.public_note = text
        comment.public_note_reviewer = reviewer
        comment.save(update_fields=["public_note", "public_note_reviewer"])
        kind = f"reviewer's note ({reviewer.full_name})" if reviewer else "moderator's note"
        log(
            actor,
            "note changed" if before else "note added",
            comment=comment,
            before=comment.status,
            after=comment.status,
            note=f"{kind}: {text}",
            text_before=before,
        )
    freshness.thread_changed(comment.article_id)


def remove_note(comment, actor):
    from comments.moderator_actions import log

    if not comment.public_note:
        return False
    if not _may_replace(comment, actor):
        raise CannotChange(gettext("Only a moderator, or the note's own reviewer, removes it."))
    with transaction.atomic():
        before = comment.public_note
        comment.public_note = ""
        comment.public_note_reviewer = None
        comment.save(update_fields=["public_note", "public_note_reviewer"])
        log(
            actor,
            "note removed",
            comment=comment,
            before=comment.status,
            after=comment.status,
            text_before=before,
        )
    freshness.thread_changed(comment.article_id)
    return True


def pin(comment, actor):
    """Pin a published top-level post to the top of its thread, in place of any other."""
    from comments.moderator_actions import log

    if not actor.has_perm("comments.change_comment"):
        raise CannotChange(gettext("Only moderators pin posts."))
    if comment.parent_id is not None or not comment.is_published or comment.members_only:
        raise CannotChange(
            gettext(
                "Only a published post that is not a reply, and is shown to everyone, is pinned."
            )
        )
    from articles.models import Article

    with transaction.atomic():
        # The article's row is the lock: two moderators pinning at once take turns.
        Article.objects.select_for_update().filter(pk=comment.article_id).first()
        for earlier in Comment.objects.select_for_update().filter(
            article_id=comment.article_id, is_pinned=True
        ):
            if earlier.pk != comment.pk:
                earlier.is_pinned = False
                earlier.save(update_fields=["is_pinned"])
                log(actor, "unpin", comment=earlier, before=earlier.status, after=earlier.status)
        comment.is_pinned = True
        comment.save(update_fields=["is_pinned"])
        log(actor, "pin", comment=comment, before=comment.status, after=comment.status)
    freshness.thread_changed(comment.article_id)


def unpin(comment, actor):
    from comments.moderator_actions import log

    if not actor.has_perm("comments.change_comment"):
        raise CannotChange(gettext("Only moderators pin posts."))
    if not comment.is_pinned:
        return False
    with transaction.atomic():
        comment.is_pinned = False
        comment.save(update_fields=["is_pinned"])
        log(actor, "unpin", comment=comment, before=comment.status, after=comment.status)
    freshness.thread_changed(comment.article_id)
    return True
