"""Password reset cannot be used to flood somebody's inbox, member or not."""

import re

import pytest
from django.core import mail

from accounts import ratelimits
from accounts.privacy import inbox_limit_key as inbox_key

pytestmark = pytest.mark.django_db


def _reset(client, email, n=0):
    # A new address each time: the per-IP limits are not what stops this.
    return client.post(
        "/accounts/password/reset/", {"email": email}, REMOTE_ADDR=f"203.0.113.{n + 1}"
    )


def _page(response, typed):
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return page.replace(typed, "X@")


def _mails_to(address):
    return [m for m in mail.outbox if m.to == [address]]


@pytest.mark.parametrize("address", ["member@example.org", "stranger@example.org"])
def test_at_most_three_reset_mails_an_hour_to_one_address(client, member, address):
    answers = [_reset(client, address, n) for n in range(10)]
    assert len(_mails_to(address)) == 3
    assert [a.status_code for a in answers[:3]] == [302] * 3
    refused = answers[3].content.decode()
    assert "We cannot send another mail to this address right now" in refused
    assert f'value="{address}"' in refused  # what was typed is kept


def test_the_refusal_does_not_tell_members_from_strangers(client, member):
    for n in range(4):
        known = _reset(client, "member@example.org", n)
        unknown = _reset(client, "stranger@example.org", n)
    assert known.status_code == unknown.status_code == 200
    assert _page(known, "member@") == _page(unknown, "stranger@")


def test_plus_tags_and_case_count_as_the_same_inbox(client, member):
    for n, variant in enumerate(
        ["Member@example.org", "member+1@example.org", "MEMBER+x@EXAMPLE.ORG", "member@example.org"]
    ):
        _reset(client, variant, n)
    assert len(mail.outbox) == 3


def test_gmail_dots_count_as_the_same_inbox():
    assert inbox_key("j.o.e@gmail.com") == inbox_key("joe+news@googlemail.com")
    assert inbox_key("j.o.e@example.org") != inbox_key("joe@example.org")


def test_the_limit_is_a_setting(client, member, settings):
    settings.PASSWORD_RESET_MAIL_LIMIT = (1, 3600)
    _reset(client, "member@example.org", 0)
    _reset(client, "member@example.org", 1)
    assert len(mail.outbox) == 1


def test_reset_is_refused_while_the_limit_store_is_down(client, member, monkeypatch):
    def store_down(key, window_seconds):
        raise ratelimits.StoreUnavailable(key)

    monkeypatch.setattr(ratelimits, "_count", store_down)
    response = _reset(client, "member@example.org")
    assert "We cannot send another mail" in response.content.decode()
    assert mail.outbox == []


def test_reset_is_refused_when_the_cache_cannot_be_written(client, member, monkeypatch):
    """Redis down: allauth's own limits cannot take their lock, and ours cannot count."""
    from kindred.cache import ResilientRedisCache
    from kindred.ports import free_port

    ResilientRedisCache._down_since = None
    dead = ResilientRedisCache(
        f"redis://127.0.0.1:{free_port()}/0",
        {"OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}},
    )
    monkeypatch.setattr(ratelimits, "cache", dead)
    monkeypatch.setattr("allauth.core.internal.ratelimit.cache", dead)
    monkeypatch.setattr("allauth.core.internal.ratelimit.CACHE_LOCK_WAIT_TIMEOUT", 0.05)
    try:
        response = _reset(client, "member@example.org")
    finally:
        ResilientRedisCache._down_since = None
        ResilientRedisCache._retry_at = 0.0
    assert response.status_code in {200, 429}
    assert mail.outbox == []


def test_the_limits_store_holds_no_unkeyed_hash_of_an_inbox(client, settings):
    """sha256 of an address is read back by hashing a list of addresses: the keys are keyed."""
    import hashlib
    import time

    from django.core.cache import cache

    _reset(client, "target@example.org")
    client.post("/subscribe/", {"name": "Sample Reader", "email": "target@example.org"})
    plain = hashlib.sha256(b"target@example.org").hexdigest()
    assert plain not in inbox_key("target@example.org")
    for scope, (_limit, window) in [
        ("reset-mail", settings.PASSWORD_RESET_MAIL_LIMIT),
        ("confirm-mail", settings.CONFIRMATION_MAIL_LIMIT),
    ]:
        stamp = int(time.time() // window)
        assert cache.get(f"ratelimit:{scope}:{plain}:{stamp}") is None
        assert cache.get(f"ratelimit:{scope}:{inbox_key('target@example.org')}:{stamp}") == 1
