"""`make run`'s demo editor: a staff login to try the admin with, under DEBUG only."""

import io
import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.management import call_command

from accounts.models import User
from articles.management.commands.load_demo import DEMO_EDITOR_EMAIL, DEMO_EDITOR_PASSWORD

pytestmark = pytest.mark.django_db


def _load_demo():
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_demo_editor_is_made_once_under_debug_and_must_set_up_a_second_factor(client, settings):
    settings.DEBUG = True
    assert DEMO_EDITOR_EMAIL in _load_demo()
    _load_demo()
    editor = User.objects.get(email=DEMO_EDITOR_EMAIL)
    assert editor.is_staff and EmailAddress.objects.get(user=editor).verified

    client.post("/accounts/login/", {"login": DEMO_EDITOR_EMAIL, "password": DEMO_EDITOR_PASSWORD})
    assert client.get("/admin/")["Location"] == "/account/authenticator-setup/"
    client.get("/account/authenticator-setup/")
    [message] = mail.outbox
    assert message.to == [DEMO_EDITOR_EMAIL]
    link = re.search(r"http://127\.0\.0\.1:8000(/account/authenticator-setup/\S+/)", message.body)
    assert client.get(link.group(1))["Location"] == "/accounts/2fa/totp/activate/"


def test_no_demo_editor_without_debug(settings):
    settings.DEBUG = False
    assert DEMO_EDITOR_EMAIL not in _load_demo()
    assert not User.objects.filter(is_staff=True).exists()
