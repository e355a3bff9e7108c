"""A guest's session gets a new key when the guest identifies and again when they confirm, so a
session key planted or seen earlier (session fixation) never carries the guest's identity."""

import re

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail

from accounts.subscriptions import GUEST_SESSION_KEY, PROVEN_SESSION_KEY

pytestmark = pytest.mark.django_db


def _cookie(client):
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _planted_session(client):
    """A session the visitor already had (or an attacker handed them) before identifying."""
    session = client.session
    session["planted"] = "kept"
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    return session.session_key


def test_sharing_name_and_email_gives_the_session_a_new_key(client):
    before = _planted_session(client)
    client.post("/subscribe/", {"name": "Sample Reader", "email": "reader@example.org"})
    after = _cookie(client)
    assert after != before
    assert not SessionStore().exists(before)
    assert GUEST_SESSION_KEY not in SessionStore(session_key=before).load()
    session = SessionStore(session_key=after).load()
    assert session[GUEST_SESSION_KEY] and session["planted"] == "kept"


def test_confirming_gives_the_session_a_new_key_again(client):
    client.post("/subscribe/", {"name": "Sample Reader", "email": "reader@example.org"})
    identified = _cookie(client)
    link = re.search(r"/subscribe/confirm/[^/\s]+/", mail.outbox[0].body).group(0)
    client.post(link)
    confirmed = _cookie(client)
    assert confirmed != identified
    assert not SessionStore().exists(identified)
    session = SessionStore(session_key=confirmed).load()
    assert session[PROVEN_SESSION_KEY] is True
