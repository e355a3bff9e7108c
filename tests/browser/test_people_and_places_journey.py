"""People and places in Chromium: an anonymous reader opens a reply mail's link to a post on
page 3, shares name + email at the gate and lands on that post; a member posts for members
only, which an anonymous reader and the anonymous cached page do not show and another member
does; a verified health professional's badge shows, an unverified claim does not. The new
pages pass axe, at phone width."""

import re

import pytest
from django.core import mail
from django.test import Client
from playwright.sync_api import expect

from accounts.models import User
from comments import notifications
from comments.models import Comment
from tests.browser.conftest import log_in
from tests.browser.test_article_page import _violations

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


def test_a_mailed_link_to_a_post_on_page_3_lands_on_it_after_the_gate(
    browser, live_server, settings, article, make_comment, make_subscriber, screenshot_dir
):
    settings.COMMENTS_READ_GATE = True
    settings.COMMENTS_PER_PAGE = 2
    writer = make_subscriber(name="Sample Writer", email="writer@example.org")
    posts = [make_comment(article, writer, body=f"Sample post number {n}") for n in range(6)]
    target = posts[0]  # newest first: the oldest post is on page 3
    replier = make_subscriber(name="Sample Replier", email="replier@example.org")
    reply = make_comment(
        article, replier, parent=target, root=target, depth=1, body="Sample reply to you"
    )
    notifications.comment_published(reply)
    notifications.send_all_due()
    [notice] = [m for m in mail.outbox if m.to == ["writer@example.org"]]
    link = re.search(r"http\S+/c/\d+/", notice.body).group(0)

    reader = browser.new_context(viewport=PHONE)
    page = reader.new_page()
    page.goto(link.replace(settings.SITE_URL, live_server.url))
    box = page.locator(".share-box")
    box.get_by_label("Your name").fill("Sample Reader")
    box.get_by_label("Your email").fill("reader@example.org")
    assert not box.get_by_label(re.compile("Also email me new articles")).is_checked()
    assert _violations(page) == [], page.url
    page.screenshot(path=screenshot_dir / "gate-for-a-post-phone.png", full_page=True)
    # The token site.js fetches (a locator waits outside the page: no eval under the CSP).
    expect(page.locator(".share-box input[name=csrfmiddlewaretoken]")).to_have_value(
        re.compile(".")
    )
    box.get_by_role("button", name="Continue").click()
    page.locator(f"#comment-{reply.pk}").wait_for()
    assert "cpage=3" in page.url and page.url.endswith(f"#comment-{reply.pk}")
    assert page.get_by_text("a mail with a link is on its way").count() == 1
    assert _violations(page) == [], page.url
    page.screenshot(path=screenshot_dir / "landed-on-the-post-phone.png", full_page=True)
    reader.close()


def test_members_only_posts_and_who_is_speaking(
    browser,
    live_server,
    settings,
    article,
    make_comment,
    verified_member,
    django_user_model,
    screenshot_dir,
):
    settings.COMMENTS_READ_GATE = False
    member = browser.new_context(viewport=PHONE)
    page = member.new_page()
    log_in(page, live_server.url)
    page.goto(live_server.url + "/account/")
    page.get_by_label("I post as").select_option("professional")
    page.get_by_label("Living with (optional)").fill("a sample condition")
    page.get_by_label("Show my profile page").check()
    page.get_by_role("button", name="Save settings").click()
    page.get_by_text("Your settings are saved.").wait_for()

    page.goto(live_server.url + article.get_absolute_url())
    page.get_by_label("Your post").fill("Sample words only members should read.")
    page.get_by_label(re.compile("^Only members can read this")).check()
    page.get_by_role("button", name="Post", exact=True).click()
    mine = page.locator(".comment", has_text="Sample words only members should read.")
    mine.wait_for()
    # The claim to be a health professional shows nothing until staff verify it.
    assert mine.get_by_text("Health professional").count() == 0
    assert mine.get_by_text("verified").count() == 0

    # The page cache's anonymous copy leaves it out ...
    for _ in range(2):
        cached = Client().get(article.get_absolute_url())
    assert cached["X-Page-Cache"] == "hit"
    assert "Sample words only members should read." not in cached.content.decode()
    # ... and so does the page an anonymous reader's browser shows.
    anonymous = browser.new_context(viewport=PHONE)
    visitor = anonymous.new_page()
    visitor.goto(live_server.url + article.get_absolute_url())
    assert visitor.get_by_text("Sample words only members should read.").count() == 0
    visitor.get_by_text("And 1 post for signed-in members only.").wait_for()
    assert _violations(visitor) == [], visitor.url
    # Its own address tells an anonymous reader it is for members, and nothing of it.
    secret = Comment.objects.get(body="Sample words only members should read.")
    visitor.goto(live_server.url + f"/c/{secret.pk}/")
    visitor.get_by_role("heading", name="A post for members").wait_for()
    assert visitor.get_by_text("Sample words only members").count() == 0
    assert _violations(visitor) == [], visitor.url
    visitor.goto(live_server.url + "/c/999999/")
    visitor.get_by_role("heading", name="No such post").wait_for()
    assert _violations(visitor) == [], visitor.url
    anonymous.close()

    from allauth.account.models import EmailAddress

    someone = django_user_model.objects.create_user(
        email="other@example.org", password="a-long-test-password", display_name="Sample Other"
    )
    EmailAddress.objects.create(user=someone, email=someone.email, verified=True, primary=True)
    other = browser.new_context(viewport=PHONE)
    reader = other.new_page()
    log_in(reader, live_server.url, email="other@example.org")
    reader.goto(live_server.url + article.get_absolute_url())
    reader.get_by_text("Sample words only members should read.").wait_for()
    shown = reader.locator(".comment", has_text="Sample words only members should read.")
    assert shown.get_by_text("For signed-in members only").count() == 1

    # Staff verify the profession: the badge shows on the post, and on the profile page.
    user = User.objects.get(email=verified_member.email)
    from accounts import profiles

    profiles.verify_profession(user, None, "Registered nurse")
    reader.reload()
    post = reader.locator(".comment", has_text="Sample words only members should read.")
    post.get_by_text("Registered nurse, verified").wait_for()
    assert _violations(reader) == [], reader.url
    reader.screenshot(path=screenshot_dir / "verified-professional-phone.png", full_page=True)
    post.get_by_role("link", name=user.display_name, exact=True).click()
    reader.get_by_role("heading", name=user.display_name).wait_for()
    reader.get_by_text("Registered nurse, verified").wait_for()
    assert _violations(reader) == [], reader.url
    other.close()

    page.goto(live_server.url + "/account/posts/")
    page.get_by_text("Published, for signed-in members only").wait_for()
    assert _violations(page) == [], page.url
    page.screenshot(path=screenshot_dir / "own-posts-phone.png", full_page=True)
    member.close()
