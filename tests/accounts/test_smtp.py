"""With EMAIL_URL=smtp://..., mail reaches a real SMTP server (aiosmtpd, started by the test)."""

import email

import pytest

from config.env import env_email

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp_server(inbox):
    return inbox.port, inbox


def test_confirmation_mail_is_delivered_over_smtp(client, settings, smtp_server, monkeypatch):
    port, inbox = smtp_server
    monkeypatch.setenv("EMAIL_URL", f"smtp://127.0.0.1:{port}")
    for name, value in env_email("EMAIL_URL", "console://").items():
        setattr(settings, name, value)

    client.post("/subscribe/", {"name": "Sample Reader", "email": "reader@example.org"})

    assert len(inbox.messages) == 1
    envelope = inbox.messages[0]
    assert envelope.rcpt_tos == ["reader@example.org"]
    message = email.message_from_bytes(envelope.content)
    assert "confirm" in message["Subject"].lower()
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert {part.get_content_type() for part in message.walk()} >= {"text/plain", "text/html"}
