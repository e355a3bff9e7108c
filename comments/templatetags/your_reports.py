"""The posts a member reported and what became of each, on their account page
(templates/accounts/settings.html: accounts knows nothing of comments)."""

from django import template

from comments.models import Report

register = template.Library()

SHOWN = 20


@register.inclusion_tag("comments/_your_reports.html")
def your_reports(user):
    reports = (
        Report.objects.filter(reporter_user=user)
        .select_related("comment__article")
        .order_by("-created_at")[:SHOWN]
    )
    return {"reports": list(reports)}
