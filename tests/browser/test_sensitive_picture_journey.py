"""A sensitive picture in Chromium: posted by its author, shown blurred in a closed <details>,
opened by mouse or keyboard, with JavaScript on and off, at a phone's width."""

import pytest
from PIL import Image, ImageDraw

from comments.models import Comment
from tests.browser.conftest import log_in
from tests.browser.test_article_page import _violations

pytestmark = pytest.mark.django_db(transaction=True)

DESCRIPTION = "A healing scar on a knee"


def _picture(tmp_path):
    path = tmp_path / "scar.png"
    image = Image.new("RGB", (640, 480), "#f2d0c4")
    ImageDraw.Draw(image).rectangle((120, 200, 520, 260), fill="#8b1e1e")  # a clear shape
    image.save(path)
    return path


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_member_posts_a_sensitive_picture_readers_open_it_by_keyboard(
    browser, live_server, article, verified_member, tmp_path, javascript, screenshot_dir
):
    context = browser.new_context(
        java_script_enabled=javascript,
        viewport={"width": 390, "height": 844},
        reduced_motion="reduce",  # scrolls at once, for the screenshots
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    log_in(page, live_server.url)
    page.goto(live_server.url + article.get_absolute_url())
    compose = page.locator("#compose")
    compose.get_by_label("Your post").fill("Two weeks after the operation.")
    compose.get_by_label("Add a picture").set_input_files(str(_picture(tmp_path)))
    compose.get_by_label("Describe the picture").fill(DESCRIPTION)
    compose.get_by_label("This picture shows something sensitive").check()
    compose.get_by_role("button", name="Post", exact=True).click()
    page.locator(".comment", has_text="Two weeks after the operation.").wait_for()
    post = Comment.objects.get()
    assert post.is_picture_sensitive

    page.goto(live_server.url + article.get_absolute_url())
    details = page.locator(f"#comment-{post.pk} details.comment__sensitive")
    summary = details.locator("summary")
    picture = page.get_by_role("img", name=DESCRIPTION)
    assert details.get_attribute("open") is None
    assert summary.is_visible() and "Sensitive picture — show" in summary.inner_text()
    assert not picture.is_visible()
    # The only picture of the post on show is the blurred copy inside the summary.
    preview = summary.locator("img")
    assert "blur" in preview.evaluate("el => getComputedStyle(el).filter")
    assert page.locator(f"#comment-{post.pk} img:visible").count() == 1
    if javascript:
        assert _violations(page) == [], page.url
    summary.evaluate("el => el.scrollIntoView({block: 'center'})")
    page.screenshot(
        path=str(screenshot_dir / f"sensitive-closed-{'js' if javascript else 'nojs'}.png")
    )

    for _ in range(200):  # Tab through the page until the summary has focus
        page.keyboard.press("Tab")
        if summary.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("the sensitive picture cannot be reached with Tab")
    page.keyboard.press("Enter")
    picture.wait_for()
    assert details.get_attribute("open") is not None
    assert "Sensitive picture — hide" in summary.inner_text()
    assert not preview.is_visible()
    if javascript:
        assert _violations(page) == [], page.url
    details.scroll_into_view_if_needed()
    page.screenshot(
        path=str(screenshot_dir / f"sensitive-open-{'js' if javascript else 'nojs'}.png")
    )
    page.keyboard.press("Space")  # and closed again
    picture.wait_for(state="hidden")
    page.keyboard.press("Space")
    picture.wait_for()
    context.close()
