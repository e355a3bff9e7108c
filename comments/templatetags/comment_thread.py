"""Template helpers for the comment thread."""

from django import template
from django.utils.safestring import mark_safe

from comments.thread import REPLY_MARK

register = template.Library()


@register.filter
def for_parent(reply_form, parent_id):
    """The page's one pre-rendered reply form, pointed at this comment."""
    return mark_safe(reply_form.replace(REPLY_MARK, str(int(parent_id))))  # noqa: S308 - our own HTML and an int
