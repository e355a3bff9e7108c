"""Headers every response carries: a strict CSP, and cache rules that never share private pages."""

import pytest

pytestmark = pytest.mark.django_db


def test_strict_content_security_policy(client, article):
    policy = client.get(article.get_absolute_url())["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "object-src 'none'" in policy


def test_anonymous_article_page_is_shareable_by_caches(client, article):
    response = client.get(article.get_absolute_url())
    assert "public" in response["Cache-Control"]
    assert "max-age=" in response["Cache-Control"]
    assert not response.cookies
    assert "csrfmiddlewaretoken" not in response.content.decode()


def test_member_pages_are_private(client, article, member):
    client.force_login(member)
    response = client.get(article.get_absolute_url())
    assert "private" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]


def test_csrf_token_comes_from_a_private_request(client):
    response = client.get("/csrf/")
    assert response.status_code == 200
    assert response.json()["token"]
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]
