"""The crisis resources staff keep in the admin (comments.models.CrisisResource), for the
pages that tell a reader where to find help now."""

from django import template
from django.utils import translation

from comments.crisis import resources_for

register = template.Library()


@register.inclusion_tag("comments/_crisis_resources.html")
def crisis_resources():
    return {"resources": resources_for(translation.get_language())}
