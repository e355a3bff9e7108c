"""Redis down means a slower site, not a broken one (kindred/cache.py)."""

import logging

import pytest

from accounts import ratelimits
from kindred.cache import ResilientRedisCache
from kindred.ports import free_port


@pytest.fixture
def dead_redis():
    ResilientRedisCache._down_since = None
    ResilientRedisCache._retry_at = 0.0
    cache = ResilientRedisCache(
        f"redis://127.0.0.1:{free_port()}/0",
        {"OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}},
    )
    yield cache
    ResilientRedisCache._down_since = None
    ResilientRedisCache._retry_at = 0.0


def test_every_call_is_a_miss_and_the_outage_is_logged_once(dead_redis, caplog):
    with caplog.at_level(logging.WARNING, logger="kindred.cache"):
        assert dead_redis.get("page", "fallback") == "fallback"
        dead_redis.set("page", "content", 60)
        assert dead_redis.add("counter", 0) is False
        assert dead_redis.get_many(["a", "b"]) == {}
        with pytest.raises(ValueError):
            dead_redis.incr("counter")
        for _ in range(20):
            dead_redis.get("page")
    assert [r.getMessage()[:17] for r in caplog.records] == ["cache unavailable"]
    assert dead_redis.is_available() is False


def test_capacity_limits_let_people_through_while_the_cache_is_down(dead_redis, monkeypatch):
    monkeypatch.setattr(ratelimits, "cache", dead_redis)
    assert all(ratelimits.hit("comment-ip", "203.0.113.9", 1, 3600) for _ in range(3))


def test_limits_that_guard_accounts_refuse_while_the_cache_is_down(dead_redis, monkeypatch):
    monkeypatch.setattr(ratelimits, "cache", dead_redis)
    assert not ratelimits.hit("subscribe", "203.0.113.9", 5, 3600, fail_closed=True)


def test_limits_refuse_when_redis_is_full(monkeypatch):
    """Redis at maxmemory with noeviction answers writes with an OOM error."""
    from redis.exceptions import OutOfMemoryError

    ResilientRedisCache._down_since = None
    ResilientRedisCache._retry_at = 0.0
    full = ResilientRedisCache("redis://127.0.0.1:1/0", {})

    def refuse(*args):
        raise OutOfMemoryError("command not allowed when used memory > 'maxmemory'")

    monkeypatch.setattr(full, "_count", refuse)
    monkeypatch.setattr(ratelimits, "cache", full)
    try:
        assert not ratelimits.hit(
            "password-reset", "someone@example.org", 3, 3600, fail_closed=True
        )
        assert ratelimits.hit("comment-ip", "203.0.113.9", 3, 3600)
    finally:
        ResilientRedisCache._down_since = None
        ResilientRedisCache._retry_at = 0.0


@pytest.mark.django_db
def test_pages_are_served_while_the_cache_is_down(client, article, dead_redis, monkeypatch):
    from articles import recent
    from kindred import freshness, page_cache

    monkeypatch.setattr(page_cache, "cache", dead_redis)
    monkeypatch.setattr(freshness, "cache", dead_redis)
    monkeypatch.setattr(recent, "cache", dead_redis)
    for _ in range(2):
        response = client.get(article.get_absolute_url())
        assert response.status_code == 200
        assert article.title in response.content.decode()
    health = client.get("/healthz")
    assert health.status_code == 200


def test_pages_stored_before_an_outage_are_not_served_after_it(dead_redis):
    from kindred import freshness

    calls = []
    dead_redis.get("anything")  # the outage is noticed
    dead_redis._cache = type(
        "Back",
        (),
        {
            "get": lambda self, key, default: calls.append(("get", key)) or default,
            "set": lambda self, key, value, timeout: calls.append(("set", key)) or True,
        },
    )()
    ResilientRedisCache._retry_at = 0.0
    dead_redis.get("page")
    assert ("set", dead_redis.make_and_validate_key(freshness.SITE)) in calls


class _BackAgain:
    """Redis answering again after an outage, recording what it is asked."""

    def __init__(self, calls):
        self.calls = calls

    def get(self, key, default):
        self.calls.append("get")
        return f"answer {len(self.calls)}"

    def add(self, key, value, timeout):
        self.calls.append("add")
        return True

    def set(self, key, value, timeout):
        self.calls.append("set generation")
        return True


def test_the_first_read_after_an_outage_is_answered_after_the_generation_moved(dead_redis):
    # A page or counter read before the generation moved could be one the outage made stale.
    calls = []
    dead_redis.get("anything")  # the outage is noticed
    dead_redis._cache = _BackAgain(calls)
    ResilientRedisCache._retry_at = 0.0
    assert dead_redis.get("page") == "answer 3"
    assert calls == ["get", "set generation", "get"]


def test_the_first_write_after_an_outage_is_not_made_twice(dead_redis):
    # An `add` (a lock, a rate-limit window) repeated would answer "taken" for its own work.
    calls = []
    dead_redis.get("anything")
    dead_redis._cache = _BackAgain(calls)
    ResilientRedisCache._retry_at = 0.0
    assert dead_redis.add("lock", 1, 10) is True
    assert calls == ["add", "set generation"]


@pytest.fixture
def allauth_limits_on(monkeypatch):
    """allauth's own limits (log-in, sign-up, reset) counted in `store`; its lock waits briefly."""
    from allauth.core.internal import ratelimit as allauth_ratelimit

    monkeypatch.setattr(allauth_ratelimit, "CACHE_LOCK_WAIT_TIMEOUT", 0.05)

    def use(store):
        monkeypatch.setattr(allauth_ratelimit, "cache", store)

    return use


def _full_redis(monkeypatch):
    """Redis at maxmemory with noeviction: reads answer, every write is refused."""
    from redis.exceptions import OutOfMemoryError

    full = ResilientRedisCache("redis://127.0.0.1:1/0", {})

    def refuse(*args, **kwargs):
        raise OutOfMemoryError("command not allowed when used memory > 'maxmemory'")

    for name in ("add", "set", "incr", "delete", "touch"):
        monkeypatch.setattr(f"django.core.cache.backends.redis.RedisCache.{name}", refuse)
    monkeypatch.setattr(full, "get", lambda key, default=None, version=None: default)
    return full


@pytest.fixture(params=["down", "full"])
def failing_store(request, monkeypatch):
    ResilientRedisCache._down_since = None
    ResilientRedisCache._retry_at = 0.0
    if request.param == "down":
        store = ResilientRedisCache(
            f"redis://127.0.0.1:{free_port()}/0",
            {"OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}},
        )
    else:
        store = _full_redis(monkeypatch)
    yield store
    ResilientRedisCache._down_since = None
    ResilientRedisCache._retry_at = 0.0


@pytest.mark.django_db
def test_allauth_log_in_is_refused_while_its_limits_cannot_be_counted(
    client, member, allauth_limits_on, failing_store
):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=member, email=member.email, verified=True, primary=True)
    allauth_limits_on(failing_store)
    response = client.post(
        "/accounts/login/", {"login": member.email, "password": "a-long-test-password"}
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_allauth_sign_up_is_refused_while_its_limits_cannot_be_counted(
    client, django_user_model, allauth_limits_on, failing_store
):
    allauth_limits_on(failing_store)
    response = client.post(
        "/accounts/signup/",
        {
            "email": "new@example.org",
            "display_name": "Sample Newcomer",
            "password1": "a-long-test-password",
            "password2": "a-long-test-password",
            "agrees_to_terms": "on",
        },
    )
    assert response.status_code == 429
    assert not django_user_model.objects.filter(email="new@example.org").exists()


@pytest.mark.django_db
def test_allauth_password_reset_is_refused_while_its_limits_cannot_be_counted(
    client, member, allauth_limits_on, failing_store
):
    from django.core import mail

    allauth_limits_on(failing_store)
    response = client.post("/accounts/password/reset/", {"email": member.email})
    assert response.status_code == 429
    assert mail.outbox == []
