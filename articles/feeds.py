"""RSS feed of the latest published articles."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.utils.translation import gettext

from articles.models import Article


class LatestArticlesFeed(Feed):
    # In the reader's language (the feed's <language> is the active one, too).
    def title(self):
        return gettext("%(site_name)s: latest articles") % {"site_name": settings.SITE_NAME}

    def description(self):
        return gettext("New medically reviewed articles from the Kindred community.")

    def link(self):
        return settings.SITE_URL + "/"

    def items(self):
        return Article.objects.published()[:20]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary

    def item_link(self, item):
        return settings.SITE_URL + item.get_absolute_url()

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at
