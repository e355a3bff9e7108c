"""Publishing rules: what is visible, scheduled, due for review."""

import datetime

import pytest
from django.db import IntegrityError
from django.utils import timezone

from articles.models import Article

pytestmark = pytest.mark.django_db


def test_only_published_past_articles_are_public(make_article):
    live = make_article()
    make_article(status=Article.Status.DRAFT, published_at=None)
    scheduled = make_article(published_at=timezone.now() + datetime.timedelta(days=2))
    assert list(Article.objects.published()) == [live]
    assert scheduled.is_scheduled and not scheduled.is_published


def test_body_is_rendered_and_sanitized_on_save(make_article):
    article = make_article(body="## Hello\n\n<script>alert(1)</script>")
    assert "<h2>Hello</h2>" in article.body_html
    assert "<script" not in article.body_html


def test_review_due_after_the_interval(make_article, settings):
    settings.REVIEW_INTERVAL_DAYS = 365
    today = timezone.localdate()
    fresh = make_article(last_reviewed_at=today - datetime.timedelta(days=365))
    stale = make_article(last_reviewed_at=today - datetime.timedelta(days=366))
    never = make_article(last_reviewed_at=None)
    assert not fresh.is_review_due()
    assert stale.is_review_due()
    assert not never.is_review_due() and not never.is_reviewed


def test_a_published_article_needs_a_date(make_article):
    with pytest.raises(IntegrityError):
        make_article(status=Article.Status.PUBLISHED, published_at=None)


def test_a_video_article_needs_a_source(make_article):
    with pytest.raises(IntegrityError):
        make_article(kind=Article.Kind.VIDEO, video_url="")
