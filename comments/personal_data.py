"""What the comments app holds on a member, for "export my data" and "delete my account"."""

from comments.models import Comment, Hug, Report
from comments.posting import remove_comment


def export_comments(user):
    comments = Comment.objects.filter(author_user=user).select_related("article").order_by("pk")
    return {
        "comments": [
            {
                "article": c.article.title,
                "url": c.get_absolute_url(),
                "text": c.body,
                "picture": c.picture_url or None,
                "picture_description": c.image_alt,
                "status": c.status,
                "posted_at": c.created_at.isoformat(),
                "edited_at": c.edited_at.isoformat() if c.edited_at else None,
                "ip_address": c.ip_address,
            }
            for c in comments
        ],
        "reports": [
            {"comment": r.comment_id, "reason": r.reason, "note": r.note}
            for r in Report.objects.filter(reporter_user=user)
        ],
        "hugs": list(Hug.objects.filter(user=user).values_list("comment_id", flat=True)),
    }


def erase_comments(user, keep_contributions):
    """Keep: the posts stay, by "a former member". Remove: the posts go (placeholders keep
    other people's replies in place)."""
    comments = Comment.objects.filter(author_user=user)
    if keep_contributions:
        comments.update(author_user=None, author_subscriber=None, ip_address=None)
        return
    for comment in comments:
        if Comment.objects.filter(parent=comment).exists():
            remove_comment(comment)
            Comment.objects.filter(pk=comment.pk).update(author_user=None, ip_address=None)
        else:
            for field in (comment.image, comment.image_thumb):
                if field:
                    field.delete(save=False)
            comment.delete()
    Report.objects.filter(reporter_user=user).update(reporter_user=None)
