"""What machines read: RSS, sitemap, robots.txt, the health check."""

import xml.etree.ElementTree as ET

import pytest
from django.db import DatabaseError

pytestmark = pytest.mark.django_db


def test_feed_lists_published_articles_with_absolute_links(client, make_article, settings):
    settings.SITE_URL = "https://kindred.example"
    live = make_article(title="In the feed")
    make_article(title="Draft", status="draft", published_at=None)
    response = client.get("/feed/")
    assert response.status_code == 200
    channel = ET.fromstring(response.content).find("channel")
    items = channel.findall("item")
    assert [item.findtext("title") for item in items] == ["In the feed"]
    assert items[0].findtext("link") == f"https://kindred.example{live.get_absolute_url()}"


def test_sitemap_lists_reviewed_articles_only(client, make_article, settings):
    settings.SITE_URL = "https://kindred.example"
    reviewed = make_article()
    unreviewed = make_article(last_reviewed_at=None)
    draft = make_article(status="draft", published_at=None)
    body = client.get("/sitemap.xml").content.decode()
    assert f"<loc>https://kindred.example{reviewed.get_absolute_url()}</loc>" in body
    assert unreviewed.get_absolute_url() not in body
    assert draft.get_absolute_url() not in body
    assert "<loc>https://kindred.example/about/</loc>" in body


def test_robots_txt_names_the_sitemap(client, settings):
    settings.SITE_URL = "https://kindred.example"
    body = client.get("/robots.txt").content.decode()
    assert "Sitemap: https://kindred.example/sitemap.xml" in body
    assert "Disallow: /account/" in body
    assert "admin" not in body  # its address may be secret (ADMIN_URL): never advertised


def test_healthz_answers_when_the_database_does(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


def test_healthz_reports_a_database_outage(client, monkeypatch):
    from config import views

    class BrokenCursor:
        def __enter__(self):
            raise DatabaseError("down")

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(views.connection, "cursor", lambda: BrokenCursor())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


def test_database_outage_gives_a_503_page_in_the_sites_look(article, monkeypatch):
    from django.db import OperationalError
    from django.test import Client

    from articles import views

    def unreachable(*args, **kwargs):
        raise OperationalError("connection to server at 127.0.0.1 failed")

    monkeypatch.setattr(views.Article.objects, "published", unreachable)
    response = Client(raise_request_exception=False).get(article.get_absolute_url())
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert "We will be back in a moment" in page and "css/site.css" in page
    monkeypatch.undo()
    assert Client().get(article.get_absolute_url()).status_code == 200  # no restart needed
