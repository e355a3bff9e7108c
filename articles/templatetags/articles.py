"""The recent-articles sidebar as an inclusion tag, placed by base_article.html, and the
language mark of an article's words in a list."""

from django import template
from django.utils import translation
from django.utils.html import format_html

from articles.recent import recent_articles

register = template.Library()


@register.inclusion_tag("articles/_recent_articles.html")
def recent_articles_sidebar(current=None):
    return {"recent_articles": recent_articles(exclude_pk=getattr(current, "pk", None))}


@register.filter
def lang_of(article):
    """` lang="en"` on an element holding the article's own words when they are not in the
    page's language (no reviewed translation yet), else nothing: `<a{{ article|lang_of }}>`.
    Takes an Article or anything with its shown language as `language`."""
    shown = getattr(article, "language", None) or article.shown_language()
    if shown == translation.get_language():
        return ""
    return format_html(' lang="{}"', shown)
