"""Two app servers behind one load balancer act as one site: sessions, limits, cached pages."""

import time

import pytest

from accounts.models import Subscriber
from comments.models import Comment
from tests.integration.browser import Browser
from tests.integration.servers import AppServer, RedisServer

pytestmark = pytest.mark.django_db(transaction=True)

LIMIT_MESSAGE = "Too many sign-ups from your network in the last hour."


@pytest.fixture(scope="module")
def shared_redis():
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def servers(django_db_setup, shared_redis, tmp_path_factory):
    """Servers A and B: same database, same Redis, two workers each."""
    folder = tmp_path_factory.mktemp("scale-out")
    started = []
    try:
        for name in ("A", "B"):
            server = AppServer(
                name, folder, REDIS_URL=shared_redis.url, GUNICORN_WORKERS="2"
            ).start()
            started.append(server)
        yield started
    finally:
        for server in started:
            server.stop()


@pytest.fixture(autouse=True)
def _empty_shared_cache(shared_redis):
    """Rate-limit counters and stored pages from an earlier test would change the answers."""
    shared_redis.flush()


def test_member_logged_in_on_one_server_is_logged_in_on_the_other(servers, verified_member):
    a, b = servers
    member = Browser()
    member.log_in(a, "member@example.org")

    page = member.get(b.url + "/account/")

    assert page.status == 200
    assert "Signed in as <strong>Sample Member</strong>" in page.text
    assert Browser().get(b.url + "/account/").status == 302  # a stranger is sent to log in


def test_subscribe_limit_counts_requests_to_every_server(servers):
    a, b = servers
    visitor = Browser()
    answers = [
        visitor.subscribe(server, "Sample Reader", f"reader{n}@example.org")
        for n, server in enumerate([a, a, a, b, b])
    ]
    assert [page.status for page in answers] == [302] * 5  # to "check your inbox"

    refused = [visitor.subscribe(server, "Sample Reader", "late@example.org") for server in (a, b)]

    assert [page.status for page in refused] == [429, 429]
    assert all(LIMIT_MESSAGE in page.text for page in refused)
    assert sorted(Subscriber.objects.values_list("email", flat=True)) == [
        f"reader{n}@example.org" for n in range(5)
    ]


def test_comment_posted_on_one_server_shows_at_once_in_the_others_cached_page(
    servers, article, verified_member
):
    a, b = servers
    article_path = article.get_absolute_url()
    member = Browser()
    member.log_in(a, "member@example.org")
    form = member.get(a.url + article_path)  # the form's signed "started" time runs from here
    form_shown = time.monotonic()
    reader = Browser()
    assert reader.get(b.url + article_path).headers["X-Page-Cache"] == "miss"
    assert reader.get(b.url + article_path).headers["X-Page-Cache"] == "hit"

    time.sleep(max(0.0, 3.2 - (time.monotonic() - form_shown)))  # COMMENTS_MIN_FILL_SECONDS
    posted = member.post(
        a.url + f"{article_path}comments/",
        {
            "csrfmiddlewaretoken": form.field("csrfmiddlewaretoken"),
            "started": form.field("started"),
            "body": "Posted on server A, read on server B",
        },
    )
    assert posted.status == 302, posted.text[:2000]

    page = reader.get(b.url + article_path)
    assert page.status == 200
    assert "Posted on server A, read on server B" in page.text
    assert Comment.objects.filter(
        article=article,
        author_user=verified_member,
        body="Posted on server A, read on server B",
        status=Comment.Status.PUBLISHED,
    ).exists()
