"""The article page in real Chromium, on a phone and on a desktop, checked with axe-core."""

import io

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.files.base import ContentFile
from PIL import Image

from articles import publishing
from articles.models import Article

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def _violations(page):
    results = Axe().run(page)
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes: {v['nodes'][0]['target']})"
        for v in results.response["violations"]
    ]


@pytest.fixture
def article_page(make_article, make_reviewer):
    reviewer = make_reviewer(name="Sample Avery Lin", slug="sample-avery-lin")
    for n in range(3):
        make_article(title=f"Recent piece {n}")
    make_article(
        title="A video piece", kind=Article.Kind.VIDEO, video_url="https://videos.example.org/v"
    )
    article = make_article(
        title="Two conditions compared",
        body="Intro.\n\n## Causes\n\n- One cause\n- Another cause\n\n## Symptoms\n\nText.",
        hero_alt="A drawing of a spine",
        hero_caption="A caption for the picture.",
        hero_credit="Sample illustration",
        reviewers=[reviewer],
    )
    buffer = io.BytesIO()
    Image.new("RGB", (600, 340), "#8ecae6").save(buffer, "PNG")
    article.hero_image.save("hero.png", ContentFile(buffer.getvalue()), save=False)
    publishing.save_article(article)  # as the admin stores it
    return article


@pytest.mark.parametrize("viewport_name, viewport", [("phone", PHONE), ("desktop", DESKTOP)])
def test_article_page_sections_visible_and_accessible(
    page, live_server, article_page, viewport_name, viewport, screenshot_dir
):
    page.set_viewport_size(viewport)
    page.goto(live_server.url + article_page.get_absolute_url())

    for locator in [
        page.get_by_role("heading", level=1, name="Two conditions compared"),
        page.get_by_role("heading", name="Causes"),
        page.locator("article figure figcaption"),
        page.get_by_text("Medically reviewed by"),
        page.get_by_role("heading", name="Talk with others who understand"),
        page.get_by_role("heading", name="Comments"),
        page.get_by_role("complementary", name="Recent articles"),
        page.get_by_role("link", name="Learn more about Sample Avery Lin"),
    ]:
        assert locator.first.is_visible()

    article_box = page.locator("article.article").bounding_box()
    sidebar_box = page.get_by_role("complementary", name="Recent articles").bounding_box()
    if viewport_name == "phone":
        assert sidebar_box["y"] > article_box["y"] + article_box["height"]  # below the article
    else:
        assert sidebar_box["x"] > article_box["x"] + article_box["width"] - 1  # beside it

    page.screenshot(path=str(screenshot_dir / f"article-{viewport_name}.png"), full_page=True)
    assert _violations(page) == []


def test_other_pages_pass_axe(page, live_server, article_page, make_reviewer):
    for path in ["/", "/about/", "/resources/", "/reviewers/sample-avery-lin/", "/missing/"]:
        page.goto(live_server.url + path)
        assert _violations(page) == [], path


def test_keyboard_reaches_main_content_first(page, live_server, article_page):
    page.goto(live_server.url + article_page.get_absolute_url())
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.inner_text() == "Skip to main content"
    assert skip.is_visible()
