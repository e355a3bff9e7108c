"""The edge of every request: whose address it is, and which request id the logs get."""

import logging

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from config.middleware import EdgeMiddleware

pytestmark = pytest.mark.django_db


def _seen_address(middleware, **meta):
    seen = {}

    def view(request):
        seen["ip"] = request.META["REMOTE_ADDR"]
        return HttpResponse("ok")

    middleware.get_response = view
    middleware(RequestFactory().get("/", **meta))
    return seen["ip"]


def _proxy_warnings(caplog):
    return [r for r in caplog.records if r.name == "kindred.proxy" and r.levelname == "WARNING"]


def test_without_a_trusted_proxy_a_forged_forwarded_for_changes_nothing(settings, caplog):
    settings.TRUSTED_PROXY_COUNT = 0
    edge = EdgeMiddleware(None)
    with caplog.at_level(logging.WARNING, logger="kindred.proxy"):
        for _ in range(3):
            ip = _seen_address(edge, HTTP_X_FORWARDED_FOR="6.6.6.6", REMOTE_ADDR="198.51.100.9")
            assert ip == "198.51.100.9"
    (warning,) = _proxy_warnings(caplog)  # once per process, not once per request
    assert "X-Forwarded-For" in warning.getMessage()
    assert "TRUSTED_PROXY_COUNT=0" in warning.getMessage()


def test_no_warning_when_requests_match_the_proxy_count(settings, caplog):
    settings.TRUSTED_PROXY_COUNT = 0
    edge = EdgeMiddleware(None)
    with caplog.at_level(logging.WARNING, logger="kindred.proxy"):
        _seen_address(edge, REMOTE_ADDR="198.51.100.9")
        settings.TRUSTED_PROXY_COUNT = 1
        _seen_address(edge, HTTP_X_FORWARDED_FOR="203.0.113.7", REMOTE_ADDR="127.0.0.1")
    assert _proxy_warnings(caplog) == []


def test_fewer_hops_than_configured_proxies_is_warned_about_once(settings, caplog):
    settings.TRUSTED_PROXY_COUNT = 2  # a load balancer, then nginx...
    edge = EdgeMiddleware(None)
    with caplog.at_level(logging.WARNING, logger="kindred.proxy"):
        for _ in range(3):  # ... but only nginx is there
            ip = _seen_address(edge, HTTP_X_FORWARDED_FOR="203.0.113.7", REMOTE_ADDR="127.0.0.1")
            assert ip == "127.0.0.1"
        _seen_address(edge, REMOTE_ADDR="127.0.0.1")  # no header at all: nobody in front
    (warning,) = _proxy_warnings(caplog)
    assert "TRUSTED_PROXY_COUNT=2" in warning.getMessage()


@pytest.mark.parametrize(
    "sent",
    [
        "abc\ninjected log line",
        'abc", "level": "CRITICAL',
        "abc}{",
        "a" * 65,
        "<script>",
        "id with spaces",
        "",
    ],
)
def test_an_unsafe_request_id_is_replaced(client, settings, caplog, sent):
    settings.REQUEST_LOG = True
    with caplog.at_level(logging.INFO, logger="kindred.request"):
        response = client.get("/robots.txt", HTTP_X_REQUEST_ID=sent)
    (record,) = [r for r in caplog.records if r.name == "kindred.request"]
    assert record.request_id == response["X-Request-ID"]
    assert record.request_id != sent[:64]
    assert len(record.request_id) == 32 and record.request_id.isalnum()


def test_a_well_formed_request_id_is_kept(client, settings, caplog):
    settings.REQUEST_LOG = True
    sent = "lb-7f3a.9c_" + "0" * 53  # 64 characters
    with caplog.at_level(logging.INFO, logger="kindred.request"):
        response = client.get("/robots.txt", HTTP_X_REQUEST_ID=sent)
    (record,) = [r for r in caplog.records if r.name == "kindred.request"]
    assert record.request_id == sent == response["X-Request-ID"]


def test_health_checks_straight_from_the_balancer_raise_no_warning(client, settings, caplog):
    settings.TRUSTED_PROXY_COUNT = 2
    with caplog.at_level(logging.WARNING, logger="kindred.proxy"):
        assert client.get("/healthz").status_code == 200
    assert _proxy_warnings(caplog) == []


def _logged_path(client, caplog, path):
    with caplog.at_level(logging.INFO, logger="kindred.request"):
        client.get(path)
    (record,) = [r for r in caplog.records if r.name == "kindred.request"]
    caplog.clear()
    return record.path


def test_secret_parts_of_addresses_stay_out_of_the_request_log(client, settings, caplog):
    from accounts.subscriptions import subscribe

    settings.REQUEST_LOG = True
    subscriber = subscribe("Sample Reader", "reader@example.org")
    unsubscribe_key = subscriber.unsubscribe_key
    token = "eyJzIjoxLCJuIjoiYWJjIn0:1tQ3:signature-part"
    reset_key = "2-cbx9q2-f0e2d2c2b2a2"  # the account ("2") also occurs in the key
    paths = {
        f"/subscribe/confirm/{token}/": "/subscribe/confirm/<token>/",
        f"/subscribe/confirm/{token}": None,  # no slash: redirected before any view
        f"/unsubscribe/{unsubscribe_key}/": "/unsubscribe/<key>/",
        # Mail programs keep a trailing space or ">" of a link: the page is a 404, the key is
        # still somebody's, and must not land in the log.
        f"/unsubscribe/{unsubscribe_key}/your-data/%20": "/unsubscribe/<key>/your-data/ ",
        f"/unsubscribe/{unsubscribe_key}>": "/unsubscribe/<key>>",
        f"/UNSUBSCRIBE/{unsubscribe_key}/": "/UNSUBSCRIBE/<key>/",
        "/comments/replies-off/abc.def-ghi/": "/comments/replies-off/<token>/",
        f"/accounts/password/reset/key/{reset_key}/": None,
        "/accounts/confirm-email/MTIz:1tQ3:signature/": "/accounts/confirm-email/<key>/",
    }
    for path, expected in paths.items():
        logged = _logged_path(client, caplog, path)
        for secret in (token, unsubscribe_key, "cbx9q2-f0e2d2c2b2a2", "MTIz:1tQ3:signature"):
            assert secret not in logged, (path, logged)
        if expected:
            assert logged == expected
    assert _logged_path(client, caplog, "/robots.txt") == "/robots.txt"
    # A doubled slash still reaches the view on a real server (the test client reads "//" as a
    # host, so it is checked here directly).
    from kindred.secret_links import hide_in_path

    assert hide_in_path(f"//unsubscribe//{unsubscribe_key}/") == "//unsubscribe//<key>/"


def test_djangos_own_warnings_name_no_secret_either(client, settings):
    """A mail scanner's HEAD gets a 405 and a mangled link a 404: Django logs both with the full
    path, and attaches the request, on the site's console handler."""
    import io

    from accounts.subscriptions import subscribe
    from kindred.logs import HideSecrets

    key = subscribe("Sample Reader", "reader@example.org").unsubscribe_key
    (console,) = [
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, HideSecrets) for f in h.filters)
    ]
    written = io.StringIO()
    previous = console.setStream(written)
    try:
        client.head(f"/unsubscribe/{key}/")
        client.get(f"/unsubscribe/{key}/%3E")
        client.get(f"/unsubscribe/{key}/your-data/ >")
    finally:
        console.setStream(previous)
    output = written.getvalue()
    assert "Method Not Allowed" in output and "Not Found" in output  # the lines are there
    assert key not in output


@pytest.mark.django_db
def test_a_members_503_during_a_database_outage_is_logged_once_with_its_id(
    settings, caplog, member, article, monkeypatch
):
    """The request log read request.user, which needs the database: the 503 had no log line and
    no X-Request-ID, and the error was logged twice."""
    from django.contrib import auth
    from django.db import OperationalError
    from django.test import Client

    settings.REQUEST_LOG = True
    browser = Client(raise_request_exception=False)
    browser.force_login(member)

    def database_gone(request):
        raise OperationalError("connection refused")

    monkeypatch.setattr(auth, "get_user", database_gone)
    with caplog.at_level(logging.INFO):
        response = browser.get(article.get_absolute_url(), HTTP_X_REQUEST_ID="req-42")
    assert response.status_code == 503
    assert response["X-Request-ID"] == "req-42"
    lines = [r for r in caplog.records if r.name == "kindred.request"]
    assert [(r.status, r.request_id) for r in lines] == [(503, "req-42")]
    assert len([r for r in caplog.records if r.levelno >= logging.ERROR]) == 1
