"""Pictures in comments: checked, decoded and re-encoded, so no metadata or payload survives."""

import logging
import secrets

from django.conf import settings
from django.core.files.base import File
from django.urls import reverse
from django.utils import timezone

from accounts import staff
from kindred import freshness, images
from kindred.images import PictureError as PictureError  # what the views catch

logger = logging.getLogger(__name__)


def process_picture(upload):
    """Return (display ContentFile, thumbnail ContentFile, width, height) or raise PictureError.

    The output is a fresh WebP made from decoded pixels only (kindred/images.py, shared with the
    staff's uploads): EXIF, GPS, comments and any trailing data of the original are gone.
    """
    image = images.decode(upload)
    display = images.resized(image, settings.PICTURE_DISPLAY_SIZE)
    del image  # the full-size bitmap goes before anything is encoded
    thumb = images.resized(display, settings.PICTURE_THUMB_SIZE)
    return images.webp(display), images.webp(thumb), display.width, display.height


# --- Where a post's picture lives ------------------------------------------------------------
# A picture is public only while its post is published: then it has a random name under
# comments/ that the web server (or the bucket) serves to anyone. While the post waits it lives
# under PRIVATE_PREFIX, which neither nginx nor the media view serves; its author and staff see it
# through comments.views.picture. A rejected, spam or removed post's picture is deleted for good,
# so approving such a post again brings back its text only. Every change goes through the
# storage's save/open/delete, so the same holds on the local disk and in an S3 bucket.

PRIVATE_PREFIX = "private/"
_GONE = {"rejected", "spam", "removed"}


def is_private(name):
    return name.startswith(PRIVATE_PREFIX)


def _new_name(*, public, suffix=".webp"):
    """A name nobody can guess (128 random bits), so a picture's address reveals nothing."""
    folder = timezone.now().strftime("comments/%Y/%m/") if public else PRIVATE_PREFIX + "comments/"
    return f"{folder}{secrets.token_urlsafe(16)}{suffix}"


def attach(comment, display, thumb):
    """Store a new post's picture where its status says (set the status first)."""
    public = is_public(comment)
    for field, content in ((comment.image, display), (comment.image_thumb, thumb)):
        field.name = field.storage.save(_new_name(public=public), content)


def sync_visibility(comment):
    """Call right after a post's status changed (and was saved): its picture moves to a fresh
    public name when published, back to the private prefix when it waits again, and is deleted
    when the post is rejected, marked as spam or removed. The old address stops answering."""
    if comment.pk is None:
        return
    comment.refresh_from_db(fields=["image", "image_thumb"])  # another request may have moved it
    fields = [field for field in (comment.image, comment.image_thumb) if field]
    if not fields:
        return
    changed = ["image", "image_thumb"]
    if comment.status in _GONE:
        for field in fields:
            field.storage.delete(field.name)
        comment.image = comment.image_thumb = ""
        comment.image_width = comment.image_height = None
        changed += ["image_width", "image_height"]  # image_alt stays: the admin shows what it was
    else:
        public = is_public(comment)
        misplaced = [field for field in fields if is_private(field.name) == public]
        if not misplaced:
            return
        for field in misplaced:
            field.name = _moved(field, public=public)
    comment.save(update_fields=changed)
    freshness.thread_changed(comment.article_id)  # the picture's address changed or it went


def _moved(field, *, public):
    storage, old = field.storage, field.name
    if not storage.exists(old):
        logger.warning("picture %s of a comment is missing from storage", old)
        return old
    with storage.open(old, "rb") as handle:
        new = storage.save(_new_name(public=public), File(handle))
    storage.delete(old)
    return new


def delete_files(comment):
    """Delete a post's picture files (before the row goes, or when its author removes it)."""
    for field in (comment.image, comment.image_thumb):
        if field:
            field.storage.delete(field.name)


def url(comment, size="full"):
    """The address of a post's picture for whoever may see it: the public file while it is
    published, the checked view (author and staff only) while it waits."""
    field = comment.image_thumb if size == "thumb" else comment.image
    if not field:
        return ""
    if is_private(field.name):
        return reverse("comments:picture", args=[comment.pk, size])
    return field.url


def is_public(comment):
    """Whether the post's picture belongs in the public folder: published, and not shown to
    members only."""
    return comment.status == comment.Status.PUBLISHED and not comment.members_only


def may_see(comment, user=None, guest_key=""):
    """Who may see a picture that is not public: its author and the moderators (staff whose
    session gave its second factor: accounts/staff.py), and any member for a published post
    shown to members only."""
    is_member = user is not None and user.is_authenticated
    if comment.is_published and comment.members_only and is_member:
        return True  # shown to members only: every signed-in member reads it
    is_moderator = (
        user is not None
        and staff.has_staff_powers(user)
        and user.is_staff
        and user.has_perm("comments.view_comment")
    )
    return is_moderator or comment.is_by(user, guest_key)
