"""The recent-articles sidebar as an inclusion tag, placed by base_article.html."""

from django import template

from articles.recent import recent_articles

register = template.Library()


@register.inclusion_tag("articles/_recent_articles.html")
def recent_articles_sidebar(current=None):
    return {"recent_articles": recent_articles(exclude_pk=getattr(current, "pk", None))}
