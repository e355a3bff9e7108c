"""The thread in the reader's language: its dates are written the way their language writes
them, whether the page is asked for in Spanish by the browser, chosen by a member, or the thread
is rendered in Python under an active language (comments/thread.py, thread_html.py).

Spanish month names come from Django's own catalog, so these hold before the site's Spanish
catalog is filled in.
"""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client, RequestFactory
from django.utils import translation

from comments import thread
from comments.models import Comment

pytestmark = pytest.mark.django_db

# A post written on December 1, 2025 at 14:05 (UTC, the site's time zone).
WRITTEN = datetime.datetime(2025, 12, 1, 14, 5, tzinfo=datetime.UTC)
IN_SPANISH = '<span class="comment__exact">1 dic. 2025, 14:05</span>'
IN_ENGLISH = '<span class="comment__exact">Dec 1, 2025, 14:05</span>'


@pytest.fixture
def written_in_december(make_article, make_comment, member):
    article = make_article(title="Sample article", slug="sample-article")
    post = make_comment(article, author=member, body="A kind word, written in December.")
    Comment.objects.filter(pk=post.pk).update(created_at=WRITTEN)  # auto_now_add otherwise
    return article


def test_a_reader_whose_browser_asks_for_spanish_reads_spanish_dates(settings, written_in_december):
    settings.COMMENTS_READ_GATE = False  # anonymous readers see the thread
    url = written_in_december.get_absolute_url()
    english = Client().get(url).content.decode()
    spanish = Client().get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert IN_ENGLISH in english and IN_SPANISH not in english
    assert IN_SPANISH in spanish and IN_ENGLISH not in spanish  # not the English page's face
    assert '<html lang="es">' in spanish
    # The post's age, beside its exact date, in Spanish too ("hace 1 año, 2 meses").
    assert '<time datetime="2025-12-01T14:05:00+00:00">hace ' in spanish


def test_a_member_who_chose_spanish_reads_spanish_dates(written_in_december, member):
    member.language = "es"
    member.save(update_fields=["language"])
    reader = Client()
    reader.force_login(member)
    page = reader.get(written_in_december.get_absolute_url()).content.decode()
    assert IN_SPANISH in page and IN_ENGLISH not in page


def test_the_thread_rendered_in_python_follows_the_active_language(settings, written_in_december):
    settings.COMMENTS_READ_GATE = False
    request = RequestFactory().get(written_in_december.get_absolute_url())
    request.user, request.session = AnonymousUser(), SessionStore()
    with translation.override("es"):
        spanish = thread.thread_context(request, written_in_december)
    with translation.override("en"):
        english = thread.thread_context(request, written_in_december)
    assert IN_SPANISH in spanish["items"] and IN_ENGLISH in english["items"]


def test_a_date_written_out_in_spanish_names_the_month(written_in_december):
    """The named formats the thread's dates use (config/formats/es): the long one spells the
    month out, "de diciembre"."""
    from django.utils.formats import date_format

    with translation.override("es"):
        assert date_format(WRITTEN, "DATE_FORMAT") == "1 de diciembre de 2025"
        assert date_format(WRITTEN, "SHORT_DATETIME_FORMAT") == "1 dic. 2025, 14:05"
    with translation.override("en"):
        assert date_format(WRITTEN, "DATE_FORMAT") == "December 1, 2025"


def test_readers_of_spanish_are_given_crisis_lines_that_answer_in_spanish():
    """Seeded beside the English line (migration 0020): a support message in Spanish names a
    line a reader can call and be answered in Spanish, with the country it serves."""
    from comments.crisis import resources_for

    spanish = [resource.name for resource in resources_for("es")]
    english = [resource.name for resource in resources_for("en")]
    assert "Línea 024 de atención a la conducta suicida (España)" in spanish
    assert "Línea 988 de Prevención del Suicidio y Crisis (Estados Unidos)" in spanish
    assert "988 Suicide & Crisis Lifeline" in english
    assert not any(name.startswith("Línea") for name in english)
