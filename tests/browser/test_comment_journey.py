"""The comment thread in Chromium: guests and members, pictures and replies, JS on and off."""

import re

import pytest
from django.core import mail
from PIL import Image
from playwright.sync_api import expect

from comments.models import Comment
from tests.browser.conftest import log_in
from tests.browser.test_article_page import _violations

pytestmark = pytest.mark.django_db(transaction=True)


def _check(page, javascript=True):
    # axe-core runs as a script: pages opened with JavaScript off are checked in the JS-on run.
    if javascript:
        assert _violations(page) == [], page.url


def _picture(tmp_path):
    path = tmp_path / "ramp.png"
    Image.new("RGB", (640, 480), "#8ecae6").save(path)
    return path


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_guest_shares_name_and_email_posts_and_confirms(browser, live_server, article, javascript):
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(live_server.url + article.get_absolute_url())
    box = page.locator(".share-box")
    box.get_by_label("Your name").fill("Sample Guest")
    box.get_by_label("Your email").fill("guest@example.org")
    if javascript:
        # The token site.js fetches (a locator waits outside the page: no eval under the CSP).
        expect(page.locator(".share-box input[name=csrfmiddlewaretoken]")).to_have_value(
            re.compile(".")
        )
    box.get_by_role("button", name="Continue").click()
    if not javascript:
        page.get_by_role("button", name="Send again").click()
    # Back in the conversation, told what comes next.
    page.get_by_text("If your address still needs confirming, a mail with a link").wait_for()
    assert page.url.split("#")[0] == live_server.url + article.get_absolute_url()
    page.get_by_label("Your post").fill("Stretching every morning helps me.")
    page.get_by_role("button", name="Post", exact=True).click()
    waiting = page.locator(".comment", has_text="Stretching every morning helps me.")
    waiting.get_by_text("Awaiting email confirmation").wait_for()
    _check(page, javascript)

    confirm = re.search(r"/subscribe/confirm/[^/\s]+/", mail.outbox[-1].body).group(0)
    page.goto(live_server.url + confirm)
    page.get_by_role("button", name="Confirm my email address").click()
    page.get_by_role("heading", name="Your address is confirmed").wait_for()
    page.goto(live_server.url + article.get_absolute_url())
    posted = page.locator(".comment", has_text="Stretching every morning helps me.")
    posted.wait_for()
    assert posted.get_by_text("Awaiting email confirmation").count() == 0
    assert Comment.objects.get().status == Comment.Status.PUBLISHED
    context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_member_posts_a_picture_and_replies(
    browser,
    live_server,
    article,
    verified_member,
    make_comment,
    make_subscriber,
    tmp_path,
    javascript,
    screenshot_dir,
):
    other = make_subscriber(name="Sample Neighbour")
    first = make_comment(article, other, body="What helped you sleep?")
    make_comment(article, other, parent=first, body="Asking for my sister too.")
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    page.set_default_timeout(10_000)
    log_in(page, live_server.url)

    page.goto(live_server.url + article.get_absolute_url())
    compose = page.locator("#compose")
    compose.get_by_label("Your post").fill("Our new ramp, built last week.")
    compose.get_by_label("Add a picture").set_input_files(str(_picture(tmp_path)))
    compose.get_by_label("Describe the picture").fill("A wooden ramp up to a front door")
    compose.get_by_role("button", name="Post", exact=True).click()
    picture = page.get_by_role("img", name="A wooden ramp up to a front door")
    picture.wait_for()

    thread = page.locator(f"#comment-{first.pk}")
    own_reply_box = thread.locator(":scope > details.comment__reply")
    own_reply_box.locator("summary").click()
    own_reply_box.get_by_label("Your reply").fill("A warm bath before bed.")
    own_reply_box.get_by_role("button", name="Post reply").click()
    reply = page.locator(".thread--replies .comment", has_text="A warm bath before bed.")
    reply.wait_for()
    assert Comment.objects.get(body="A warm bath before bed.").parent == first

    page.goto(live_server.url + article.get_absolute_url())
    replies = page.get_by_role("list", name="Replies to Sample Neighbour")
    assert replies.get_by_text("A warm bath before bed.").is_visible()
    _check(page, javascript)
    page.screenshot(
        path=str(screenshot_dir / f"thread-{'js' if javascript else 'nojs'}.png"), full_page=True
    )
    context.close()


def test_thread_is_usable_by_keyboard_alone(
    page, live_server, article, verified_member, make_comment, make_subscriber
):
    other = make_subscriber(name="Sample Neighbour")
    first = make_comment(article, other, body="Any tips for the heat?")
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill("member@example.org")
    page.locator("#id_password").fill("a-long-test-password")
    page.keyboard.press("Enter")
    page.locator(".site-nav__who").wait_for()
    page.goto(live_server.url + article.get_absolute_url())

    summary = page.locator(f"#comment-{first.pk} > details > summary")
    for _ in range(200):  # Tab through the page until the reply disclosure has focus
        page.keyboard.press("Tab")
        if summary.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("the reply control cannot be reached with Tab")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")  # into the reply box
    page.keyboard.type("A cool towel on the neck.")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Post reply":
            break
    page.keyboard.press("Enter")
    page.locator(".thread--replies .comment", has_text="A cool towel on the neck.").wait_for()
