"""sitemap.xml: published, medically reviewed articles, reviewer profiles and the fixed pages."""

from urllib.parse import urlparse

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from articles.models import Article, Reviewer


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
        # An article never medically reviewed is left out (and carries noindex).
        return Article.objects.published().exclude(last_reviewed_at=None).only("slug", "updated_at")

    def lastmod(self, item):
        return item.updated_at


class ReviewerSitemap(_SiteUrlSitemap):
    def items(self):
        reviewed = Article.objects.published().exclude(last_reviewed_at=None)
        return Reviewer.objects.filter(reviewed_articles__in=reviewed).distinct().only("slug")


class PageSitemap(_SiteUrlSitemap):
    def items(self):
        return ["articles:list", "about", "resources"]

    def location(self, item):
        return reverse(item)


sitemaps = {"articles": ArticleSitemap, "reviewers": ReviewerSitemap, "pages": PageSitemap}
