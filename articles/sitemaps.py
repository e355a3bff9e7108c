"""sitemap.xml: published, medically reviewed articles, reviewer profiles and the fixed pages."""

from urllib.parse import urlparse

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from articles.models import Article, Reviewer


def _reviewed():
    return Article.objects.published().exclude(last_reviewed_at_en=None)


class _SiteUrlSitemap(Sitemap):
    """Absolute URLs from SITE_URL, not from whatever Host header the request carried."""

    @property
    def protocol(self):
        return urlparse(settings.SITE_URL).scheme

    def get_domain(self, site=None):
        return urlparse(settings.SITE_URL).netloc


class ArticleSitemap(_SiteUrlSitemap):
    changefreq = "monthly"

    def items(self):
        # An article never medically reviewed is left out (and carries noindex). The English
        # article's review, named as such: an unsuffixed name would be the active language's
        # column (articles/translation.py), and each article has one address for all languages.
        return _reviewed().only("slug", "updated_at")

    def lastmod(self, item):
        return item.updated_at


class ReviewerSitemap(_SiteUrlSitemap):
    def items(self):
        return Reviewer.objects.filter(reviewed_articles__in=_reviewed()).distinct().only("slug")


class PageSitemap(_SiteUrlSitemap):
    def items(self):
        return ["articles:list", "about", "resources"]

    def location(self, item):
        return reverse(item)


sitemaps = {"articles": ArticleSitemap, "reviewers": ReviewerSitemap, "pages": PageSitemap}
