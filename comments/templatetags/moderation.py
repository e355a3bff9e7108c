"""Counts of waiting items for the admin index page."""

from django import template
from django.db import connections
from django.db.models import F, Func, Q

from comments.models import Appeal, Comment
from comments.reports import reported_posts

register = template.Library()


@register.simple_tag
def moderation_counts():
    """How many posts each of the moderators' lists holds, counted as the list filters them.
    Each count reads the index made for its list (comments/models.py: comment_waiting_idx,
    comment_admin_order_idx, comment_queue_idx, comment_reported_idx), never the whole table: one
    aggregate over every comment read a million rows on each visit to the admin."""
    return _counted(
        {
            # As the "Waiting for review" list shows them: urgent posts are in it wherever
            # they are.
            "pending": Comment.objects.filter(Q(status=Comment.Status.PENDING) | Q(is_urgent=True)),
            "urgent": Comment.objects.filter(is_urgent=True),
            "awaiting": Comment.objects.filter(status=Comment.Status.AWAITING_EMAIL),
            # As the "Reported by readers" list shows them: posts with reports still open.
            "reported": Comment.objects.filter(reported_posts()),
            "appeals": Appeal.objects.filter(submitted_at__isnull=False, outcome=""),
        }
    )


def _counted(lists):
    """The rows of each queryset, counted in one query (a subquery each), so that each count
    is planned on its own, with its own index."""
    parts, params = [], []
    for rows in lists.values():
        counting = rows.order_by().values(count=Func(F("pk"), function="COUNT"))
        sql, sql_params = counting.query.sql_with_params()
        parts.append(f"({sql})")
        params.extend(sql_params)
    with connections[Comment.objects.db].cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}", params)  # noqa: S608 - ORM-made SQL
        return dict(zip(lists, cursor.fetchone(), strict=True))
