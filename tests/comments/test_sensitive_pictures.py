"""Sensitive pictures (surgery, wounds): marked by their author or a moderator, shown blurred
inside a closed <details> until a reader opens it, and never put in a mail."""

import io
import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from comments.models import Comment, ModerationAction

pytestmark = pytest.mark.django_db

SHOW = "Sensitive picture — show"


@pytest.fixture(autouse=True)
def _thread_visible(settings):
    settings.COMMENTS_READ_GATE = False  # anonymous readers see the thread itself


def _upload():
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 80, 40)).save(buffer, "PNG")
    return SimpleUploadedFile("scar.png", buffer.getvalue(), content_type="image/png")


def _signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def _cached(article):
    """The page as an anonymous reader gets it, stored in the page cache."""
    Client().get(article.get_absolute_url())
    response = Client().get(article.get_absolute_url())
    assert response["X-Page-Cache"] == "hit"
    return response.content.decode()


def _post_html(page, post):
    """The post's own part of the page, up to the next post."""
    return re.search(rf'id="comment-{post.pk}".*?(?=<li class="comment|</ol>)', page, re.S).group(0)


def _picture_post(client, article, post_comment, sensitive=True, **data):
    if sensitive:
        data["is_picture_sensitive"] = "on"
    response = post_comment(
        client, article, body="Two weeks after the operation.", image=_upload(),
        image_alt="A healing scar on a knee", **data,
    )  # fmt: skip
    assert response.status_code == 302
    return Comment.objects.latest("pk")


def _decide(user, post, decision):
    url = f"/admin/comments/comment/{post.pk}/decide/"
    return _signed_in(user).post(url, {"decision": decision}, follow=True)


def _assert_blurred(html, post):
    """Inside a closed <details>: its summary names it and holds only a small, decorative
    (alt="") copy, blurred by the stylesheet; the picture itself, described, follows it; no
    picture of the post is outside the <details>."""
    thumb = post.image_thumb.url
    details = re.search(r'<details class="comment__sensitive">(.*?)</details>', html, re.S)
    assert details is not None, html
    summary, shown = re.search(r"<summary>(.*?)</summary>(.*)", details.group(1), re.S).groups()
    assert SHOW in summary
    assert re.findall(r"<img [^>]*>", summary) == [
        f'<img src="{thumb}" alt="" width="48" loading="lazy">'
    ]
    assert "A healing scar on a knee" in summary  # read out with the summary
    assert f'<img src="{thumb}" alt="A healing scar on a knee"' in shown
    outside = html.replace(details.group(0), "")
    assert "<img" not in outside and thumb not in outside and post.image.url not in outside


def test_author_marks_a_picture_sensitive_when_posting(client, member, article, post_comment):
    client.force_login(member)
    post = _picture_post(client, article, post_comment)
    assert post.is_picture_sensitive and post.is_published
    _assert_blurred(_post_html(_cached(article), post), post)  # what anonymous readers get
    _assert_blurred(_post_html(client.get(article.get_absolute_url()).content.decode(), post), post)


def test_the_form_offers_the_choice_with_the_picture(client, member, article):
    client.force_login(member)
    page = client.get(article.get_absolute_url()).content.decode()
    assert 'name="is_picture_sensitive"' in page
    assert "This picture shows something sensitive (a wound, surgery)" in page


def test_a_picture_not_marked_shows_as_before(client, member, article, post_comment):
    client.force_login(member)
    post = _picture_post(client, article, post_comment, sensitive=False)
    html = _post_html(_cached(article), post)
    assert not post.is_picture_sensitive
    assert "comment__sensitive" not in html and SHOW not in html
    assert f'<img src="{post.image_thumb.url}" alt="A healing scar on a knee"' in html


def test_the_mark_means_nothing_without_a_picture(client, member, article, post_comment):
    client.force_login(member)
    post_comment(client, article, body="Only words.", is_picture_sensitive="on")
    assert Comment.objects.get().is_picture_sensitive is False


def test_the_author_changes_it_with_an_edit(client, member, article, post_comment):
    client.force_login(member)
    post = _picture_post(client, article, post_comment, sensitive=False)
    form = client.get(f"/comments/{post.pk}/edit/").content.decode()
    assert 'name="is_picture_sensitive"' in form
    edit = {"body": post.body, "image_alt": post.image_alt}
    client.post(f"/comments/{post.pk}/edit/", {**edit, "is_picture_sensitive": "on"})
    post.refresh_from_db()
    assert post.is_picture_sensitive
    assert SHOW in _post_html(Client().get(article.get_absolute_url()).content.decode(), post)
    client.post(f"/comments/{post.pk}/edit/", edit)  # unticked
    post.refresh_from_db()
    assert not post.is_picture_sensitive


def test_a_text_only_post_has_no_such_choice_in_its_edit_form(
    client, member, article, make_comment
):
    post = make_comment(article, member, body="Words only.")
    client.force_login(member)
    assert "is_picture_sensitive" not in client.get(f"/comments/{post.pk}/edit/").content.decode()


def test_a_moderator_marks_and_unmarks_a_picture_audited_and_the_cached_page_follows(
    client, member, moderator, article, post_comment
):
    client.force_login(member)
    post = _picture_post(client, article, post_comment, sensitive=False)
    assert SHOW not in _cached(article)

    response = _decide(moderator, post, "sensitive")
    assert "Its picture is shown blurred" in response.content.decode()
    post.refresh_from_db()
    assert post.is_picture_sensitive
    _assert_blurred(_post_html(_cached(article), post), post)

    _decide(moderator, post, "not_sensitive")
    post.refresh_from_db()
    assert not post.is_picture_sensitive
    assert SHOW not in _cached(article)
    log = ModerationAction.objects.filter(comment=post).order_by("pk")
    assert [(e.action, e.actor) for e in log] == [
        ("picture: sensitive", moderator),
        ("picture: not sensitive", moderator),
    ]


def test_the_decide_box_offers_the_mark_only_for_a_picture(
    member, moderator, article, make_comment
):
    text_only = make_comment(article, member, body="Words only.")
    page = _signed_in(moderator).get(f"/admin/comments/comment/{text_only.pk}/change/")
    assert 'value="sensitive"' not in page.content.decode()


def test_the_moderators_bulk_actions_mark_and_unmark(
    client, member, moderator, article, post_comment, make_comment
):
    client.force_login(member)
    post = _picture_post(client, article, post_comment, sensitive=False)
    words = make_comment(article, member, body="No picture here.")
    data = {"_selected_action": [post.pk, words.pk]}
    admin = _signed_in(moderator)
    response = admin.post(
        "/admin/comments/comment/", {**data, "action": "mark_picture_sensitive"}, follow=True
    )
    assert "1 picture(s) now shown blurred, of 2 post(s) selected." in response.content.decode()
    post.refresh_from_db()
    assert post.is_picture_sensitive
    _assert_blurred(_post_html(_cached(article), post), post)
    admin.post("/admin/comments/comment/", {**data, "action": "unmark_picture_sensitive"})
    post.refresh_from_db()
    assert not post.is_picture_sensitive
    assert ModerationAction.objects.filter(action__startswith="picture:").count() == 2


def test_the_author_cannot_take_off_a_moderators_mark(
    client, member, moderator, article, post_comment
):
    client.force_login(member)
    post = _picture_post(client, article, post_comment, sensitive=False)
    _decide(moderator, post, "sensitive")
    form = client.get(f"/comments/{post.pk}/edit/").content.decode()
    assert "A moderator marked this picture as sensitive." in form
    assert re.search(r'<input type="checkbox" name="is_picture_sensitive"[^>]* disabled', form)
    client.post(f"/comments/{post.pk}/edit/", {"body": "Edited.", "image_alt": post.image_alt})
    post.refresh_from_db()
    assert post.body == "Edited." and post.is_picture_sensitive


def test_a_reply_mail_leaves_a_sensitive_picture_out(
    client, member, django_user_model, article, make_comment, post_comment
):
    thread = make_comment(article, member, body="How did your knee heal?")
    other = django_user_model.objects.create_user(
        email="other@example.org", password="a-long-test-password", display_name="Sample Other"
    )
    client.force_login(other)
    reply = _picture_post(client, article, post_comment, parent=thread.pk)
    assert reply.is_picture_sensitive and reply.parent == thread
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    html = message.alternatives[0][0]
    for text in (message.body, html):
        assert "Two weeks after the operation." in text
        assert "(a sensitive picture: open the post to see it)" in text
        assert reply.get_absolute_url() in text
        assert reply.image.url not in text and reply.image_thumb.url not in text
        assert "<img" not in text and "/media/" not in text
