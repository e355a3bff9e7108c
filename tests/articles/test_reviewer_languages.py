"""Reviewers' headlines and bios are written in English only (docs/languages.md, "What stays in
English"): on a page in another language they are marked lang="en"."""

import pytest
from django.test import Client

from articles import publishing

pytestmark = pytest.mark.django_db


def _reviewer_with_a_bio(article):
    reviewer = article.reviewers.get()
    reviewer.bio = "Sees patients with **sample** conditions."
    publishing.save_reviewer(reviewer)
    return reviewer


def test_a_spanish_reviewer_profile_marks_the_headline_and_bio_english(article):
    reviewer = _reviewer_with_a_bio(article)
    html = Client().get(reviewer.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert f'<span lang="en">{reviewer.headline}</span>' in html
    assert '<div class="profile__bio" lang="en"><p>Sees patients with <strong>' in html


def test_an_english_page_needs_no_mark(article):
    reviewer = _reviewer_with_a_bio(article)
    html = Client().get(reviewer.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="en"' not in html[html.index("<main") : html.index("</main>")]
    page = Client().get(article.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"<span>{reviewer.headline}</span>" in page


def test_a_spanish_article_page_marks_the_reviewers_headline_english(article):
    headline = article.reviewers.get().headline
    html = Client().get(article.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert f'<span lang="en">{headline}</span>' in html
