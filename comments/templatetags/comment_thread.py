"""The conversation under an article, placed by the article page's template.

articles knows nothing of comments: the project's template for the article page (templates/
articles/article_detail.html) puts the thread in with `{% comment_thread article %}`, as
config/urls.py puts the apps' URLs together."""

from django import template

from comments import thread

register = template.Library()


@register.inclusion_tag("comments/_thread.html", takes_context=True)
def comment_thread(context, article):
    return thread.thread_context(context["request"], article)
