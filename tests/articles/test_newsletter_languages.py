"""New-article mail in each subscriber's language: the reviewed translation when the article has
one, else the English article under a note in the reader's language; over the ordinary path and
over SMTP's byte-level one, where each language's message is built once per batch."""

import datetime
import email
from email import policy

import pytest
from django.core import mail
from django.utils import timezone

from articles import newsletter
from tests.articles.test_newsletter_smtp import smtp  # noqa: F401 (a fixture)
from tests.articles.test_translations import SPANISH, translate

pytestmark = pytest.mark.django_db

NOTE = "Este artículo aún no está disponible en español."


@pytest.fixture
def readers(make_subscriber):
    return {
        "en": make_subscriber(email="ann@example.org", name="Sample Ann", language="en"),
        "es": make_subscriber(email="eva@example.org", name="Sample Eva", language="es"),
        # Shared an address before languages were recorded: the site's language.
        "": make_subscriber(email="old@example.org", name="Sample Old", language=""),
    }


def _article(make_article, *, spanish):
    article = make_article(
        title="Pacing your energy", published_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    return translate(article) if spanish else article


def _by_reader():
    return {message.to[0]: message for message in mail.outbox}


def _html(message):
    return next(body for body, kind in message.alternatives if kind == "text/html")


def test_a_translated_article_reaches_each_reader_in_their_language(readers, make_article):
    _article(make_article, spanish=True)
    newsletter.publish_due()
    received = _by_reader()
    spanish = received["eva@example.org"]
    assert spanish.subject == SPANISH["title_es"]
    assert "Hola, Sample Eva" in spanish.body and SPANISH["summary_es"] in spanish.body
    assert "Date de baja con un clic" in _html(spanish)
    assert 'lang="es"' in _html(spanish) and NOTE not in spanish.body
    for address in ("ann@example.org", "old@example.org"):
        english = received[address]
        assert english.subject == "Pacing your energy"
        assert "Hello Sample" in english.body and "Hola" not in english.body


def test_an_untranslated_article_reaches_a_spanish_reader_in_english_under_a_spanish_note(
    readers, make_article
):
    article = _article(make_article, spanish=False)
    newsletter.publish_due()
    spanish = _by_reader()["eva@example.org"]
    assert spanish.subject == "Pacing your energy"
    assert spanish.body.startswith("Hola, Sample Eva") and NOTE in spanish.body
    html = _html(spanish)
    assert NOTE in html and f'lang="en"><a href="http://testserver{article.get_absolute_url()}'
    assert '<h1 style="font-size:24px;line-height:1.3;margin:16px 0 8px;" lang="en">' in html
    assert NOTE not in _by_reader()["ann@example.org"].body


def test_the_words_are_fixed_when_the_send_starts(readers, make_article):
    """A translation reviewed after the send began changes nothing in it: every batch sends
    the words the send was made with."""
    article = _article(make_article, spanish=False)
    send, _created = newsletter.start(article, "test", queue=False)
    translate(article)
    newsletter.send_batch(send.pk)
    assert _by_reader()["eva@example.org"].subject == "Pacing your energy"


def test_over_smtp_each_language_is_built_once_and_each_reader_gets_theirs(
    smtp,  # noqa: F811 (the fixture)
    readers,
    make_article,
    monkeypatch,
):
    built = []
    real_build = newsletter.RawMessages.build.__func__
    monkeypatch.setattr(
        newsletter.RawMessages,
        "build",
        classmethod(
            lambda cls, send, language="en": (
                built.append(language) or real_build(cls, send, language)
            )
        ),
    )
    _article(make_article, spanish=True)
    newsletter.publish_due()
    received = {
        envelope.rcpt_tos[0]: email.message_from_bytes(envelope.content, policy=policy.default)
        for envelope in smtp.messages
    }
    assert received["eva@example.org"]["Subject"] == SPANISH["title_es"]
    assert received["ann@example.org"]["Subject"] == "Pacing your energy"
    assert received["old@example.org"]["Subject"] == "Pacing your energy"
    text = received["eva@example.org"].get_body(("plain",)).get_content()
    assert "Hola, Sample Eva" in text and "/unsubscribe/" in text
    assert sorted(built) == ["en", "es"]  # one batch: each language's message made once
