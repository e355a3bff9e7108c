"""Shared test data: small factories for articles, reviewers and members."""

import datetime
import itertools

import pytest
from django.core.cache import cache
from django.utils import timezone

from articles.models import Article, Reviewer

_counter = itertools.count(1)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache (Redis in CI keeps data between tests)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def make_reviewer(db):
    def make(**fields):
        n = next(_counter)
        fields.setdefault("name", f"Sample Reviewer {n}")
        fields.setdefault("slug", f"sample-reviewer-{n}")
        fields.setdefault("credentials", "M.D.")
        fields.setdefault("headline", "is a sample neurologist")
        fields.setdefault("is_sample", True)
        return Reviewer.objects.create(**fields)

    return make


@pytest.fixture
def make_article(db):
    def make(reviewers=(), authors=(), **fields):
        n = next(_counter)
        fields.setdefault("title", f"Article number {n}")
        fields.setdefault("slug", f"article-number-{n}")
        fields.setdefault("summary", f"What article {n} is about, in one sentence.")
        fields.setdefault(
            "body", f"Opening paragraph of article {n}.\n\n## A heading\n\n- one\n- two"
        )
        fields.setdefault("status", Article.Status.PUBLISHED)
        fields.setdefault("published_at", timezone.now() - datetime.timedelta(days=n))
        fields.setdefault("last_reviewed_at", timezone.localdate() - datetime.timedelta(days=30))
        article = Article.objects.create(**fields)
        if reviewers:
            article.reviewers.set(reviewers)
        if authors:
            article.authors.set(authors)
        return article

    return make


@pytest.fixture
def article(make_article, make_reviewer):
    return make_article(
        title="Living well with a sample condition",
        slug="living-well",
        reviewers=[make_reviewer(name="Sample Avery Lin", slug="sample-avery-lin")],
    )


@pytest.fixture
def member(django_user_model):
    return django_user_model.objects.create_user(
        email="member@example.org", password="a-long-test-password", display_name="Sample Member"
    )


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user(
        email="staff@example.org",
        password="a-long-test-password",
        display_name="Sample Editor",
        is_staff=True,
        is_superuser=True,
    )
