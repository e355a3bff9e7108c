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


def test_resend_page_is_offered_only_for_our_own_subscribe_form(client, member):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    data = {"name": "Sample Reader", "email": "reader@example.org"}
    same_site = strict.post("/subscribe/", data, HTTP_ORIGIN="http://testserver")
    assert "Please send that again" in same_site.content.decode()
    cross_site = strict.post("/subscribe/", data, HTTP_ORIGIN="https://evil.example")
    assert cross_site.status_code == 403
    assert "This form has expired" in cross_site.content.decode()
    assert "reader@example.org" not in cross_site.content.decode()


def test_other_forms_are_never_offered_again(client, member):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(member)
    response = strict.post("/accounts/email/", {"action_add": "", "email": "evil@example.org"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "This form has expired" in page and "evil@example.org" not in page
    login = Client(enforce_csrf_checks=True).post(
        "/accounts/login/", {"login": "member@example.org", "password": "secret-words"}
    )
    assert "secret-words" not in login.content.decode()


def test_security_headers_on_every_page(client, article):
    response = client.get(article.get_absolute_url())
    assert response["Permissions-Policy"].startswith("camera=()")
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_uploads_are_served_so_they_cannot_run_as_pages(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "comments").mkdir()
    (tmp_path / "comments" / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (tmp_path / "comments" / "evil.html").write_text("<script>alert(1)</script>")
    picture = client.get("/media/comments/a.png")
    assert picture["Content-Type"] == "image/png"
    assert "sandbox" in picture["Content-Security-Policy"]
    assert picture["X-Content-Type-Options"] == "nosniff"
    picture.close()
    page = client.get("/media/comments/evil.html")
    assert page["Content-Type"] == "application/octet-stream"
    assert page["Content-Disposition"] == "attachment"
    page.close()


def test_every_request_is_one_json_log_line(client, settings, article, caplog):
    import json
    import logging

    from kindred.logs import JsonFormatter

    settings.REQUEST_LOG = True
    with caplog.at_level(logging.INFO, logger="kindred.request"):
        response = client.get(article.get_absolute_url(), HTTP_X_REQUEST_ID="abc123")
    assert response["X-Request-ID"] == "abc123"
    (record,) = [r for r in caplog.records if r.name == "kindred.request"]
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["path"] == article.get_absolute_url() and entry["status"] == 200
    assert entry["request_id"] == "abc123" and entry["duration_ms"] >= 0


def test_behind_a_proxy_the_client_address_comes_from_x_forwarded_for(client, settings):
    from accounts.ratelimits import client_ip
    from config.middleware import EdgeMiddleware

    seen = {}

    def view(request):
        seen["ip"] = client_ip(request)
        from django.http import HttpResponse

        return HttpResponse("ok")

    from django.test import RequestFactory

    request = RequestFactory().get(
        "/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7", REMOTE_ADDR="10.0.0.2"
    )
    settings.TRUSTED_PROXY_COUNT = 0
    EdgeMiddleware(view)(request)
    assert seen["ip"] == "10.0.0.2"  # no proxy trusted: the header is ignored
    settings.TRUSTED_PROXY_COUNT = 1
    EdgeMiddleware(view)(request)
    assert seen["ip"] == "203.0.113.7"  # the address nginx saw, not what the client claimed


def test_health_check_answers_load_balancers_by_ip_over_http(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz", HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_health_check_answers_head_requests_from_monitors(client):
    assert client.head("/healthz").status_code == 200
