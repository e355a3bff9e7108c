"""Contact, privacy notice, community guidelines and terms of use: written by staff in the
admin, shown at fixed addresses, linked from every page's footer."""

import pytest
from django.test import Client

from articles.models import SitePage

pytestmark = pytest.mark.django_db

ADDRESSES = {
    "contact": "/contact/",
    "privacy": "/privacy/",
    "guidelines": "/guidelines/",
    "terms": "/terms/",
}


def _admin(user):
    client = Client()
    client.force_login(user)
    return client


def _edit(staff, kind, **changes):
    page = SitePage.objects.get(kind=kind)
    form = {"title": page.title, "body": page.body, **changes}
    if page.is_sample and "is_sample" not in changes:
        form["is_sample"] = "on"
    response = _admin(staff).post(f"/admin/articles/sitepage/{page.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()


@pytest.mark.parametrize("kind", ADDRESSES)
def test_each_page_shows_its_sample_text_from_the_migration(client, kind):
    page = SitePage.objects.get(kind=kind)
    response = client.get(ADDRESSES[kind])
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<h1 id="site-page-title">{page.title}</h1>' in html
    assert "Sample text: the operator of this site replaces this page" in html
    assert '<meta name="robots" content="noindex">' in html  # a sample is not for search engines


def test_privacy_notice_gives_the_real_ip_retention_and_points_to_the_data_pages(client, settings):
    html = client.get("/privacy/").content.decode()
    assert f"IP addresses are deleted {settings.IP_RETENTION_DAYS} days after" in html
    assert 'href="/account/"' in html
    assert "Download or delete your data" in html


def test_guidelines_point_to_the_crisis_resources(client):
    assert 'href="/resources/"' in client.get("/guidelines/").content.decode()


def test_staff_edit_is_rendered_from_markdown_and_sanitized(client, staff):
    body = (
        "## Write to us\n\nAt **help@example.org**.\n\n"
        "<script>alert('x')</script>\n\n[x](javascript:alert(1))"
    )
    _edit(staff, "contact", title="Get in touch", body=body, is_sample="")
    html = client.get("/contact/").content.decode()
    assert "<h2>Write to us</h2>" in html
    assert "<strong>help@example.org</strong>" in html
    assert "<script>alert" not in html and "javascript:" not in html
    assert 'name="robots" content="noindex"' not in html  # the operator's own text now
    assert "<title>Get in touch | Kindred</title>" in html


def test_staff_edit_shows_at_once_on_a_cached_page(client, staff):
    assert client.get("/terms/")["X-Page-Cache"] == "miss"
    cached = client.get("/terms/")
    assert cached["X-Page-Cache"] == "hit" and "public" in cached["Cache-Control"]
    _edit(staff, "terms", body="Our own terms, *freshly* written.")
    response = client.get("/terms/")
    assert response["X-Page-Cache"] == "miss"
    assert "Our own terms, <em>freshly</em> written." in response.content.decode()
    assert client.get("/privacy/")["X-Page-Cache"] == "miss"  # first read: its own copy
    assert client.get("/privacy/")["X-Page-Cache"] == "hit"  # untouched by the terms' edit


def test_pages_are_edited_never_added_or_deleted_in_the_admin(staff):
    admin = _admin(staff)
    page = SitePage.objects.get(kind="privacy")
    assert admin.get("/admin/articles/sitepage/add/").status_code == 403
    assert admin.get(f"/admin/articles/sitepage/{page.pk}/delete/").status_code == 403
    listing = admin.get("/admin/articles/sitepage/").content.decode()
    assert "Privacy notice" in listing and "/privacy/" in listing


def test_footer_of_the_article_page_links_to_the_four_pages(client, article):
    html = client.get(article.get_absolute_url()).content.decode()
    footer = html[html.index('<footer class="site-footer">') :]
    for label, address in [
        ("Contact", "/contact/"),
        ("Community guidelines", "/guidelines/"),
        ("Privacy notice", "/privacy/"),
        ("Terms of use", "/terms/"),
    ]:
        assert f'<a href="{address}">{label}</a>' in footer
