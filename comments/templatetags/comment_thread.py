"""Template helpers for the comment thread."""

from django import template
from django.utils.safestring import SafeString

from comments.thread import ID_MARK, REPLY_MARK

register = template.Library()


@register.filter
def for_parent(reply_form, parent_id):
    """The page's one pre-rendered reply form, pointed at this comment."""
    # Our own rendered HTML with an int put in: safe as it stands.
    return SafeString(reply_form.replace(REPLY_MARK, str(int(parent_id))))


@register.filter
def with_id(url, comment_id):
    """One of the page's comment URLs (see thread._comment_urls), for this comment."""
    return url.replace(str(ID_MARK), str(int(comment_id)))
