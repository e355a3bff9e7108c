import re

from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from accounts import staff
from articles.feeds import LatestArticlesFeed
from articles.models import SitePage
from articles.sitemaps import sitemaps
from articles.views import site_page
from config import views
from kindred.replicas import replica_reads

admin.site.site_header = _("Kindred administration")
# Translators: the end of the admin's page titles ("Select comment to change | Kindred admin").
admin.site.site_title = _("Kindred admin")
# The admin's log-in has no rate limit and no second step: allauth's has both.
admin.site.login = staff.admin_login

urlpatterns = [
    path("", include("articles.urls")),
    path("about/", TemplateView.as_view(template_name="pages/about.html"), name="about"),
    path(
        "resources/", TemplateView.as_view(template_name="pages/resources.html"), name="resources"
    ),
    # The site's own pages, written in the admin; each URL name is its SitePage kind.
    path("contact/", site_page, {"kind": SitePage.Kind.CONTACT}, name="contact"),
    path("privacy/", site_page, {"kind": SitePage.Kind.PRIVACY}, name="privacy"),
    path("guidelines/", site_page, {"kind": SitePage.Kind.GUIDELINES}, name="guidelines"),
    path("terms/", site_page, {"kind": SitePage.Kind.TERMS}, name="terms"),
    # Read by feed readers and crawlers: a moment behind is fine (kindred/replicas.py).
    path("feed/", replica_reads(LatestArticlesFeed()), name="feed"),
    path("sitemap.xml", replica_reads(sitemap), {"sitemaps": sitemaps}, name="sitemap"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("healthz", views.healthz, name="healthz"),
    path("csrf/", views.csrf_token, name="csrf-token"),
    path("language/", views.set_language, name="set-language"),
    path("jsi18n/<str:language>/", views.javascript_catalog, name="javascript-catalog"),
    path("", include("accounts.urls")),
    path("", include("comments.urls")),
    path("accounts/", include("allauth.urls")),
    # The mail provider's tracking webhooks (bounces, complaints): basic auth from
    # ANYMAIL_WEBHOOK_SECRET (accounts/deliverability.py).
    path("anymail/", include("anymail.urls")),
    # Before the admin's own: its password form has no rate limit, mail or re-authentication.
    path(f"{settings.ADMIN_URL}password_change/", staff.admin_password_change),
    path(f"{settings.ADMIN_URL}password_change/done/", staff.admin_password_change_done),
    path(settings.ADMIN_URL, admin.site.urls),
]
if settings.SERVE_MEDIA:
    urlpatterns += [
        re_path(rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<path>.+)$", views.media)
    ]

handler403 = "config.views.permission_denied"
handler500 = "config.views.server_error"
