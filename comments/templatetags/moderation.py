"""Counts of waiting items for the admin index page."""

from django import template
from django.db.models import Count, Q

from comments.models import Comment

register = template.Library()


@register.simple_tag
def moderation_counts():
    return Comment.objects.aggregate(
        # As the "Waiting for review" list shows them: urgent posts are in it wherever they are.
        pending=Count("pk", filter=Q(status=Comment.Status.PENDING) | Q(is_urgent=True)),
        urgent=Count("pk", filter=Q(is_urgent=True)),
        reported=Count("pk", filter=Q(report_count__gt=0, status__in=["published", "pending"])),
        awaiting=Count("pk", filter=Q(status=Comment.Status.AWAITING_EMAIL)),
    )
