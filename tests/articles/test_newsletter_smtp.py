"""The newsletter over real SMTP (aiosmtpd started by the test): each reader's own message."""

import datetime
import email
from email import policy

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone
from django.utils.html import escape

from articles import newsletter
from articles.models import NewsletterRecipient
from kindred.ports import free_port

pytestmark = pytest.mark.django_db


class _Server:
    """Accepts mail, except for addresses it has been told do not exist."""

    def __init__(self):
        self.messages = []
        self.unknown = {"gone@example.org"}
        self.connections = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
        if address in self.unknown:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp(settings):
    server = _Server()
    controller = Controller(server, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield server
    controller.stop()


def test_each_reader_gets_their_own_complete_message(smtp, settings, make_article, make_subscriber):
    settings.NEWSLETTER_BATCH_SIZE = 2
    zoe = make_subscriber(email="zoe@example.org", name="Zoë <Sample> & Kin")
    sam = make_subscriber(email="sam@example.org", name="Sample Sam")
    make_subscriber(email="gone@example.org")
    article = make_article(
        title="Pacing your énergie",
        published_at=timezone.now() - datetime.timedelta(minutes=1),
    )

    newsletter.publish_due()

    assert smtp.connections == 2  # one connection per batch of two
    received = {envelope.rcpt_tos[0]: envelope.content for envelope in smtp.messages}
    assert sorted(received) == ["sam@example.org", "zoe@example.org"]
    ids = set()
    for reader in (zoe, sam):
        message = email.message_from_bytes(received[reader.email], policy=policy.default)
        assert message["To"] == reader.email
        assert message["Subject"] == "Pacing your énergie"
        key = reader.unsubscribe_key
        assert message["List-Unsubscribe"].endswith(f"/unsubscribe/{key}/>")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert f"Hello {reader.name}," in text
        assert f"Hello {escape(reader.name)}," in html
        assert article.summary in text and f"/unsubscribe/{key}/" in html
        assert "KINDRED" not in received[reader.email].decode()
        ids.add(message["Message-ID"])
    assert len(ids) == 2

    gone = NewsletterRecipient.objects.get(subscriber__email="gone@example.org")
    assert gone.status == NewsletterRecipient.Status.RETRYING
    assert "No such mailbox" in gone.last_error


def test_a_message_too_long_for_the_fast_path_is_built_the_ordinary_way(
    smtp, make_article, make_subscriber
):
    make_subscriber(email="zoe@example.org", name="Zoë")
    article = make_article(
        title="Long picture description",
        hero_image="articles/hero.png",
        slug="a-long-descriptive-slug-" * 5,
        # With the links around it, one HTML line is longer than SMTP allows: quoted-printable.
        hero_alt="日本語の説明" * 41,
        published_at=timezone.now() - datetime.timedelta(minutes=1),
    )
    send, _ = newsletter.start(article, "test", queue=False)
    assert newsletter.RawMessages.build(send) is None
    newsletter.send_batch(send.pk)
    (envelope,) = smtp.messages
    message = email.message_from_bytes(envelope.content, policy=policy.default)
    assert "Hello Zoë," in message.get_body(("html",)).get_content()
    assert "KINDRED" not in message.get_body(("html",)).get_content()
    assert "KINDRED" not in message.get_body(("plain",)).get_content()
