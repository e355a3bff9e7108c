"""Searching from the header in Chromium: with JavaScript off, the header's form, the results
and their next page work; on a phone and a desktop, every kind of results page passes axe
(axe runs in the page, so with JavaScript on)."""

import pytest

from tests.browser.test_article_page import DESKTOP, PHONE, _violations

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def articles(make_article, settings):
    settings.ARTICLES_PER_PAGE = 2
    for n in range(3):
        make_article(title=f"Sleep and migraine, part {n + 1}", summary="How rest helps.")
    make_article(title="Knees after running")


def test_a_reader_without_javascript_searches_from_the_header_and_pages_on(
    browser, live_server, articles
):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(live_server.url + "/")
    header_search = page.get_by_role("search", name="Site search")
    header_search.get_by_label("Search articles").fill("migraine")
    header_search.get_by_role("button", name="Search").click()
    page.wait_for_url("**/search/?q=migraine")
    page.get_by_role("heading", name="3 articles found for “migraine”").wait_for()
    assert page.get_by_label("Words to look for").input_value() == "migraine"
    assert page.locator("meta[name=robots]").get_attribute("content") == "noindex"
    assert page.locator(".search-results article").count() == 2

    page.get_by_role("link", name="More results").click()
    page.wait_for_url("**/search/?q=migraine&page=2")
    assert page.locator(".search-results article").count() == 1

    page.get_by_label("Words to look for").fill("xylophone")
    page.get_by_role("main").get_by_role("button", name="Search").click()
    page.get_by_text("No articles match these words.").wait_for()
    context.close()


@pytest.mark.parametrize("viewport_name, viewport", [("phone", PHONE), ("desktop", DESKTOP)])
def test_search_pages_pass_axe(
    page, live_server, articles, viewport_name, viewport, screenshot_dir
):
    page.set_viewport_size(viewport)
    found = {}
    for name, query in [
        ("results", "?q=migraine"),
        ("next-page", "?q=migraine&page=2"),
        ("nothing-found", "?q=xylophone"),
        ("too-long", "?q=" + "knee+" * 50),
        ("empty", ""),
    ]:
        page.goto(f"{live_server.url}/search/{query}")
        page.get_by_role("heading", level=1, name="Search articles").wait_for()
        if violations := _violations(page):
            found[name] = violations
        page.screenshot(path=screenshot_dir / f"search-{name}-{viewport_name}.png", full_page=True)
    assert found == {}
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"]  # the header's search box fits on a phone
