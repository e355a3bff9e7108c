"""`manage.py load_demo`: what it loads, that a rerun changes nothing, that the texts are ours."""

import re
from io import StringIO
from pathlib import Path

import nh3
import pytest
from django.core.management import call_command

from articles.models import Article, Reviewer

pytestmark = pytest.mark.django_db

MAIN_SLUG = "paraspinal-muscular-atrophy-vs-sma"
SEED_PAGE = Path(__file__).resolve().parents[3] / "shared/seed/article-page.txt"


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def load_demo():
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def stored_files(root):
    return sorted(path.relative_to(root) for path in root.rglob("*") if path.is_file())


def test_loads_articles_videos_and_sample_reviewers(media_root):
    output = load_demo()

    assert "Demo content: 7 articles" in output
    assert Article.objects.published().count() == 7
    videos = Article.objects.filter(kind=Article.Kind.VIDEO)
    assert videos.count() == 2
    assert all(video.video_url for video in videos)
    assert Reviewer.objects.count() >= 3
    assert not Reviewer.objects.filter(is_sample=False).exists()
    assert not Article.objects.filter(is_sample=False).exists()


def test_second_run_changes_nothing(media_root):
    load_demo()
    counts = (Article.objects.count(), Reviewer.objects.count())
    updated = dict(Article.objects.values_list("slug", "updated_at"))
    files = stored_files(media_root)

    output = load_demo()

    assert "created 0, updated 0" in output
    assert (Article.objects.count(), Reviewer.objects.count()) == counts
    assert dict(Article.objects.values_list("slug", "updated_at")) == updated
    assert stored_files(media_root) == files


def test_main_article_has_reviewers_image_and_structure(media_root):
    load_demo()
    article = Article.objects.get(slug=MAIN_SLUG)

    assert article.reviewers.count() == 2
    assert article.last_reviewed_at is not None
    assert article.hero_image
    assert (media_root / article.hero_image.name).is_file()
    assert article.hero_alt and article.hero_caption and article.hero_credit
    assert "<h2>" in article.body_html
    assert "<ul>" in article.body_html
    assert 'href="/articles/' in article.body_html


def test_review_states_cover_reviewed_due_and_never(media_root):
    load_demo()
    articles = list(Article.objects.all())

    assert any(a.is_reviewed and not a.is_review_due() for a in articles)
    assert any(a.is_review_due() for a in articles)
    assert any(not a.is_reviewed for a in articles)


def normalize(text):
    text = text.replace("\u2019", "'").replace("\u2014", "-").replace("\u2013", "-")
    return " ".join(text.lower().split())


def seed_sentences():
    text = SEED_PAGE.read_text(encoding="utf-8")
    pieces = re.split(r"(?<=[.!?])\s+|\n+", text)
    sentences = (normalize(piece).rstrip(".!?") for piece in pieces)
    return [sentence for sentence in sentences if len(sentence.split()) >= 10]


def test_no_seed_sentence_is_reused(media_root):
    if not SEED_PAGE.exists():
        pytest.skip(f"seed page not found at {SEED_PAGE}")
    load_demo()
    sentences = seed_sentences()
    assert sentences

    for article in Article.objects.all():
        plain = nh3.clean(article.body_html, tags=set())
        text = normalize(" ".join([article.body, plain, article.summary, article.hero_caption]))
        reused = [sentence for sentence in sentences if sentence in text]
        assert not reused, f"{article.slug} repeats seed sentences: {reused}"
