"""The pages a reader sees: home, article, reviewer profile, about, resources, errors."""

import datetime
import json
import re

import pytest
from django.test import Client
from django.utils import timezone

from articles import publishing
from articles.models import Article

pytestmark = pytest.mark.django_db


def test_home_lists_latest_published_articles_paginated(client, make_article, settings):
    settings.ARTICLES_PER_PAGE = 10
    for _ in range(12):
        make_article()
    make_article(title="Secret draft", status=Article.Status.DRAFT, published_at=None)
    first = client.get("/")
    second = client.get("/?page=2")
    assert first.status_code == 200
    assert first.content.decode().count('class="article-card"') == 10
    assert second.content.decode().count('class="article-card"') == 2
    assert "Secret draft" not in first.content.decode() + second.content.decode()
    assert "Older articles" in first.content.decode()


def test_article_page_shows_the_article_and_its_review(client, make_article, make_reviewer):
    reviewer = make_reviewer(name="Sample Avery Lin", slug="sample-avery-lin", credentials="M.D.")
    article = make_article(
        title="Two conditions compared",
        body="Intro.\n\n## Causes\n\n- Herniated discs\n- Scoliosis\n\nSee [MRI](/articles/mri/).",
        published_at=datetime.datetime(2023, 6, 7, 12, tzinfo=datetime.UTC),
        last_reviewed_at=datetime.date(2026, 9, 1),
        reviewers=[reviewer],
    )
    page = client.get(article.get_absolute_url()).content.decode()
    assert '<h1 id="article-title" class="article__title">Two conditions compared</h1>' in page
    assert '<time datetime="2023-06-07T12:00:00+00:00">June 7, 2023</time>' in page
    assert "<h2>Causes</h2>" in page and "<li>Herniated discs</li>" in page
    assert 'href="/articles/mri/"' in page
    assert "Medically reviewed by" in page and "September 1, 2026" in page
    assert 'href="/reviewers/sample-avery-lin/"' in page
    assert "Learn more about Sample Avery Lin" in page
    assert "Talk with others who understand" in page
    assert "Every post needs text or a picture." in page
    assert 'id="comments"' in page


def test_article_figure_has_alt_caption_and_credit(client, make_article, tmp_path):
    import io

    from django.core.files.base import ContentFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "teal").save(buffer, "PNG")
    article = make_article(
        hero_alt="A drawing of a spine",
        hero_caption="A brace can help after surgery.",
        hero_credit="Sample illustration",
    )
    article.hero_image.save("hero.png", ContentFile(buffer.getvalue()), save=False)
    publishing.save_article(article)  # as the admin stores it
    page = client.get(article.get_absolute_url()).content.decode()
    assert 'alt="A drawing of a spine"' in page
    assert 'width="40" height="20"' in page
    assert "<figcaption>A brace can help after surgery." in page
    assert "Image: Sample illustration" in page


def test_drafts_and_scheduled_articles_are_hidden_from_readers(client, make_article):
    draft = make_article(status=Article.Status.DRAFT, published_at=None)
    scheduled = make_article(published_at=timezone.now() + datetime.timedelta(hours=3))
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(scheduled.get_absolute_url()).status_code == 404
    assert scheduled.title not in client.get("/").content.decode()


def test_staff_preview_drafts_marked_as_preview(client, make_article, staff):
    draft = make_article(status=Article.Status.DRAFT, published_at=None)
    client.force_login(staff)
    response = client.get(draft.get_absolute_url())
    assert response.status_code == 200
    assert "This draft is visible to staff only." in response.content.decode()
    assert '<meta name="robots" content="noindex">' in response.content.decode()


def test_never_reviewed_article_carries_noindex(client, make_article):
    unreviewed = make_article(last_reviewed_at=None)
    reviewed = make_article()
    assert (
        '<meta name="robots" content="noindex">'
        in client.get(unreviewed.get_absolute_url()).content.decode()
    )
    assert "noindex" not in client.get(reviewed.get_absolute_url()).content.decode()


def test_reach_tags_title_description_canonical_open_graph(client, article, settings):
    settings.SITE_URL = "https://kindred.example"
    page = client.get(article.get_absolute_url()).content.decode()
    assert f"<title>{article.title} | Kindred</title>" in page
    assert f'<meta name="description" content="{article.summary}">' in page
    assert '<link rel="canonical" href="https://kindred.example/articles/living-well/">' in page
    assert '<meta property="og:type" content="article">' in page
    assert f'<meta property="og:title" content="{article.title}">' in page


def test_json_ld_describes_a_reviewed_medical_page(client, article):
    page = client.get(article.get_absolute_url()).content.decode()
    raw = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)
    data = json.loads(raw)
    assert data["@type"] == "MedicalWebPage"
    assert data["headline"] == article.title
    assert data["datePublished"].startswith(article.published_at.date().isoformat())
    assert "dateModified" in data
    assert data["lastReviewed"] == article.last_reviewed_at.isoformat()
    assert data["reviewedBy"]["name"] == "Sample Avery Lin, M.D."


def test_json_ld_cannot_be_broken_out_of(client, make_article):
    article = make_article(title="</script><script>alert(1)</script>")
    page = client.get(article.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in page
    raw = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)
    assert json.loads(raw)["headline"] == article.title


def test_reviewer_profile_lists_what_they_reviewed(client, make_article, make_reviewer):
    reviewer = make_reviewer(
        name="Sample Remi Park", slug="sample-remi-park", bio="A *sample* bio."
    )
    make_article(title="Reviewed one", reviewers=[reviewer])
    make_article(title="Hidden draft", reviewers=[reviewer], status="draft", published_at=None)
    page = client.get("/reviewers/sample-remi-park/").content.decode()
    assert "Sample Remi Park" in page and "<em>sample</em>" in page
    assert "Reviewed one" in page and "Hidden draft" not in page
    assert "Sample profile" in page


@pytest.mark.parametrize(
    "url, heading", [("/about/", "About Kindred"), ("/resources/", "Resources")]
)
def test_about_and_resources_pages(client, url, heading, db):
    response = client.get(url)
    assert response.status_code == 200
    assert f"<h1>{heading}</h1>" in response.content.decode()


def test_404_page_in_the_site_look(client):
    response = client.get("/articles/no-such-thing/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "We could not find that page" in page
    assert 'class="site-header"' in page


def test_500_page_in_the_site_look(settings):
    settings.ROOT_URLCONF = "tests.urls_boom"
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


def test_header_offers_sign_up_and_log_in_to_visitors(client, db):
    page = client.get("/").content.decode()
    assert 'href="/accounts/signup/"' in page and 'href="/accounts/login/"' in page
    assert 'href="/resources/"' in page and 'href="/about/"' in page


def test_header_names_the_member_who_is_logged_in(client, member):
    client.force_login(member)
    page = client.get("/").content.decode()
    assert re.search(r"Signed in as <a href=\"/account/\"><strong>Sample Member</strong>", page)
    assert "member@example.org" not in page


def test_no_inline_script_or_event_handler_on_pages(client, article):
    for url in ["/", article.get_absolute_url(), "/about/", "/resources/", "/nope/"]:
        page = client.get(url).content.decode()
        for tag in re.findall(r"<script[^>]*>", page):
            assert "src=" in tag or 'type="application/ld+json"' in tag, (url, tag)
        assert not re.search(r"\son[a-z]+=", page), url
        assert "style=" not in page, url


def test_article_page_survives_a_missing_picture_file(client, make_article):
    import io

    from django.core.files.base import ContentFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "teal").save(buffer, "PNG")
    article = make_article(hero_alt="A picture")
    article.hero_image.save("gone.png", ContentFile(buffer.getvalue()), save=False)
    publishing.save_article(article)  # as the admin stores it
    article.hero_image.storage.delete(article.hero_image.name)
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert 'width="40" height="20"' in response.content.decode()
