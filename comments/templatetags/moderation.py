"""Counts of waiting items for the admin index page."""

from django import template
from django.db.models import Count, Exists, OuterRef, Q

from comments.models import Appeal, Comment, Report

register = template.Library()


@register.simple_tag
def moderation_counts():
    counts = Comment.objects.aggregate(
        # As the "Waiting for review" list shows them: urgent posts are in it wherever they are.
        pending=Count("pk", filter=Q(status=Comment.Status.PENDING) | Q(is_urgent=True)),
        urgent=Count("pk", filter=Q(is_urgent=True)),
        awaiting=Count("pk", filter=Q(status=Comment.Status.AWAITING_EMAIL)),
    )
    # As the "Reported by readers" list shows them: posts with reports still open.
    still_open = Report.objects.filter(comment=OuterRef("pk"), state=Report.State.OPEN)
    reported = Comment.objects.filter(Exists(still_open), status__in=["published", "pending"])
    appeals = Appeal.objects.filter(submitted_at__isnull=False, outcome="")
    return {**counts, "reported": reported.count(), "appeals": appeals.count()}
