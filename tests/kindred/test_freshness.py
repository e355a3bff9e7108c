"""Every way a cached page's content changes shows to anonymous readers at once.

Each test reads the page until it comes from the page cache, changes something the way staff,
a member, a guest or a command does it, and reads the page again as an anonymous reader.
"""

import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from articles.models import Article
from comments.models import Comment
from tests.conftest import cached_page, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _thread_visible(settings):
    settings.COMMENTS_READ_GATE = False  # anonymous readers see the thread itself


def _anonymous(article):
    response = Client().get(article.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def _article_form(article, **changes):
    """The admin's change form for `article` as it stands, with `changes`."""
    published = timezone.localtime(article.published_at)
    form = {
        "title": article.title,
        "slug": article.slug,
        "summary": article.summary,
        "body": article.body,
        "kind": article.kind,
        "video_url": article.video_url,
        "hero_alt": article.hero_alt,
        "hero_caption": article.hero_caption,
        "hero_credit": article.hero_credit,
        "status": article.status,
        "published_at_0": published.strftime("%Y-%m-%d"),
        "published_at_1": published.strftime("%H:%M:%S"),
        "comments_open": "on",
        "reviewers": [r.pk for r in article.reviewers.all()],
        "authors": [a.pk for a in article.authors.all()],
        "last_reviewed_at": article.last_reviewed_at.isoformat(),
    }
    form.update(changes)
    return form


# --- Staff, in the admin ---------------------------------------------------------------------


def test_an_article_edited_in_the_admin(article, staff):
    assert "Living well" in cached_page(article)
    url = f"/admin/articles/article/{article.pk}/change/"
    response = signed_in(staff).post(url, _article_form(article, title="Living better"))
    assert response.status_code == 302
    assert "Living better" in _anonymous(article)


def test_a_reviewer_added_in_the_admin(article, staff, make_reviewer):
    newcomer = make_reviewer(name="Sample Newcomer")
    assert "Sample Newcomer" not in cached_page(article)
    reviewers = [*(r.pk for r in article.reviewers.all()), newcomer.pk]
    url = f"/admin/articles/article/{article.pk}/change/"
    assert signed_in(staff).post(url, _article_form(article, reviewers=reviewers)).status_code
    assert "Sample Newcomer" in _anonymous(article)
    url = f"/admin/articles/article/{article.pk}/change/"
    signed_in(staff).post(url, _article_form(article, reviewers=[newcomer.pk]))
    assert "Sample Avery Lin" not in _anonymous(article)


def test_articles_deleted_in_the_admin(article, staff, make_article):
    other = make_article(title="Soon deleted, one by one")
    bulk = make_article(title="Soon deleted, in bulk")
    page = cached_page(article)
    assert other.title in page and bulk.title in page  # the sidebar
    cached_page(other)
    admin = signed_in(staff)
    assert admin.post(f"/admin/articles/article/{other.pk}/delete/", {"post": "yes"}).status_code
    assert Client().get(other.get_absolute_url()).status_code == 404
    assert other.title not in _anonymous(article)
    action = {"action": "delete_selected", "_selected_action": [bulk.pk], "post": "yes"}
    assert admin.post("/admin/articles/article/", action).status_code == 302
    assert bulk.title not in _anonymous(article)


def test_a_reviewer_edited_and_deleted_in_the_admin(article, staff):
    reviewer = article.reviewers.get()
    assert reviewer.name in cached_page(article)
    form = {
        "name": "Sample Avery Lin-Park",
        "slug": reviewer.slug,
        "credentials": reviewer.credentials,
        "headline": reviewer.headline,
        "bio": "A new *bio*.",
    }
    admin = signed_in(staff)
    assert admin.post(f"/admin/articles/reviewer/{reviewer.pk}/change/", form).status_code == 302
    assert "Sample Avery Lin-Park" in _anonymous(article)
    reviewer.refresh_from_db()
    assert reviewer.bio_html == "<p>A new <em>bio</em>.</p>"  # rebuilt with its source
    action = {"action": "delete_selected", "_selected_action": [reviewer.pk], "post": "yes"}
    assert admin.post("/admin/articles/reviewer/", action).status_code == 302
    assert "Sample Avery Lin" not in _anonymous(article)


def _act(staff, action, *comments, **fields):
    data = {"action": action, "_selected_action": [c.pk for c in comments], **fields}
    assert signed_in(staff).post("/admin/comments/comment/", data).status_code == 302


def test_the_moderators_bulk_actions(article, staff, make_comment, make_subscriber):
    guest = make_subscriber()
    waiting = make_comment(article, guest, body="Waiting for a moderator", status="pending")
    rude = make_comment(article, guest, body="Rude words here")
    selling = make_comment(article, guest, body="Buy my pills")
    page = cached_page(article)
    assert "Waiting for a moderator" not in page and "Rude words here" in page
    _act(staff, "approve", waiting)
    assert "Waiting for a moderator" in _anonymous(article)
    _act(staff, "reject", rude, reject_reason="abuse")
    assert "Rude words here" not in _anonymous(article)
    _act(staff, "mark_spam", selling)
    assert "Buy my pills" not in _anonymous(article)


def test_a_moderators_redaction_in_the_admin(article, staff, member, make_comment):
    post = make_comment(article, member, body="Call me on 0123 456789")
    assert "0123 456789" in cached_page(article)
    reader = signed_in(member)
    assert "0123 456789" in reader.get(article.get_absolute_url()).content.decode()
    form = {"body": "Call me on [removed by a moderator]", "image_alt": ""}
    assert signed_in(staff).post(f"/admin/comments/comment/{post.pk}/change/", form).status_code
    page = _anonymous(article)
    assert "0123 456789" not in page and "[removed by a moderator]" in page
    assert "0123 456789" not in reader.get(article.get_absolute_url()).content.decode()


def test_posts_deleted_in_the_admin_with_their_replies(
    article, staff, make_comment, make_subscriber
):
    guest = make_subscriber()
    first = make_comment(article, guest, body="First thread starts")
    make_comment(article, guest, parent=first, body="A reply below it")
    second = make_comment(article, guest, body="Second thread starts")
    page = cached_page(article)
    assert "A reply below it" in page and "Second thread starts" in page
    admin = signed_in(staff)
    assert admin.post(f"/admin/comments/comment/{first.pk}/delete/", {"post": "yes"}).status_code
    page = _anonymous(article)
    assert "First thread starts" not in page and "A reply below it" not in page
    action = {"action": "delete_selected", "_selected_action": [second.pk], "post": "yes"}
    assert admin.post("/admin/comments/comment/", action).status_code == 302
    assert "Second thread starts" not in _anonymous(article)


def test_a_members_name_changed_in_the_admin(article, staff, member, make_comment):
    make_comment(article, member, body="Signed by me")
    assert "Sample Member" in cached_page(article)
    joined = timezone.localtime(member.date_joined)
    form = {
        "email": member.email,
        "display_name": "Sample Renamed By Staff",
        "bio": "",
        "notify_replies": "on",
        "is_active": "on",
        "date_joined_0": joined.strftime("%Y-%m-%d"),
        "date_joined_1": joined.strftime("%H:%M:%S"),
    }
    response = signed_in(staff).post(f"/admin/accounts/user/{member.pk}/change/", form)
    assert response.status_code == 302
    assert "Sample Renamed By Staff" in _anonymous(article)


def test_a_guests_name_changed_in_the_admin(article, staff, make_comment, make_subscriber):
    guest = make_subscriber(name="Sample Oldname")
    make_comment(article, guest, body="Hello all")
    assert "Sample Oldname" in cached_page(article)
    form = {"email": guest.email, "name": "Sample Newname", "source": guest.source}
    response = signed_in(staff).post(f"/admin/accounts/subscriber/{guest.pk}/change/", form)
    assert response.status_code == 302
    assert "Sample Newname" in _anonymous(article)


def test_a_member_deleted_in_the_admin_shows_as_a_former_member(
    article, staff, member, make_comment
):
    make_comment(article, member, body="Signed by me")
    assert "Sample Member" in cached_page(article)
    signed_in(staff).post(f"/admin/accounts/user/{member.pk}/delete/", {"post": "yes"})
    page = _anonymous(article)
    assert "Sample Member" not in page and "a former member" in page


# --- Members and guests ----------------------------------------------------------------------


def test_an_authors_edit_and_removal(article, member, post_comment):
    author = signed_in(member)
    post_comment(author, article, body="First words")
    post = Comment.objects.get()
    assert "First words" in cached_page(article)
    author.post(f"/comments/{post.pk}/edit/", {"body": "Second thoughts"})
    assert "Second thoughts" in _anonymous(article)
    author.post(f"/comments/{post.pk}/delete/")
    assert "Second thoughts" not in _anonymous(article)


def test_a_hug(article, member, make_comment, make_subscriber):
    post = make_comment(article, make_subscriber(), body="Having a hard week")
    assert "1 hug" not in cached_page(article)
    signed_in(member).post(f"/comments/{post.pk}/hug/")
    assert "1 hug" in _anonymous(article)


def test_a_post_hidden_by_readers_reports(
    article, make_comment, make_subscriber, django_user_model, settings
):
    post = make_comment(article, make_subscriber(), body="Reported enough")
    assert "Reported enough" in cached_page(article)
    for n in range(3):  # the default threshold, from three networks
        reader = django_user_model.objects.create_user(
            email=f"reader{n}@example.org", password="a-long-test-password", display_name="R"
        )
        client = Client(REMOTE_ADDR=f"198.51.{n}.7")
        client.force_login(reader)
        client.post(f"/comments/{post.pk}/report/", {"reason": "abuse"})
    post.refresh_from_db()
    assert post.status == Comment.Status.PENDING
    assert "Reported enough" not in _anonymous(article)


def _confirmation_link():
    return re.search(r"/subscribe/confirm/[^/\s]+/", mail.outbox[-1].body).group(0)


def test_a_guests_post_released_by_the_confirmation(article, post_comment):
    guest = Client()
    guest.post("/subscribe/", {"name": "Sample Guest", "email": "guest@example.org"})
    post_comment(guest, article, body="Waiting for my mail")
    assert "Waiting for my mail" not in cached_page(article)
    guest.post(_confirmation_link())
    assert "Waiting for my mail" in _anonymous(article)


def test_a_guest_renamed_by_a_confirmation(
    article, make_article, make_comment, make_subscriber, post_comment
):
    owner = make_subscriber(email="pat@example.org", name="Sample Oldname")
    make_comment(article, owner, body="Hello all")
    elsewhere = make_article()
    assert "Sample Oldname" in cached_page(article)
    phone = Client()  # the owner, on another device, under another name, on another article
    phone.post("/subscribe/", {"name": "Sample Newname", "email": "pat@example.org"})
    post_comment(phone, elsewhere, body="Now on my phone")
    phone.post(_confirmation_link())
    page = _anonymous(article)
    assert "Sample Newname" in page and "Sample Oldname" not in page


def test_a_member_deleting_their_account_and_posts(article, member, make_comment):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=member, email=member.email, verified=True, primary=True)
    top = make_comment(article, member, body="My own thread")
    make_comment(article, member, parent=top, body="My own reply")
    page = cached_page(article)
    assert "My own thread" in page and "My own reply" in page
    form = {"password": "a-long-test-password", "comments": "remove"}
    assert signed_in(member).post("/account/delete/", form).status_code == 302
    page = _anonymous(article)
    assert "My own thread" not in page and "My own reply" not in page


def test_a_guest_deleting_their_data(article, make_comment, make_subscriber):
    guest = make_subscriber(name="Sample Leaving")
    make_comment(article, guest, body="Soon forgotten")
    assert "Soon forgotten" in cached_page(article)
    Client().post(f"/unsubscribe/{guest.unsubscribe_key}/delete-my-data/")
    assert "Soon forgotten" not in _anonymous(article)


# --- Commands --------------------------------------------------------------------------------


def test_the_demo_loader_updating_an_article(monkeypatch):
    from articles import demo_content

    call_command("load_demo", verbosity=0)
    article = Article.objects.get(slug=demo_content.ARTICLES[0]["slug"])
    assert "A paragraph added later" not in cached_page(article)
    changed = {**demo_content.ARTICLES[0]}
    changed["body"] += "\n\nA paragraph added later."
    monkeypatch.setattr(demo_content, "ARTICLES", [changed, *demo_content.ARTICLES[1:]])
    call_command("load_demo", verbosity=0)
    assert "<p>A paragraph added later.</p>" in _anonymous(article)


def test_pictures_put_in_place_by_sync_pictures(article, make_comment, make_subscriber):
    import io

    from django.core.files.base import ContentFile

    from comments import pictures

    post = make_comment(article, make_subscriber(), body="With a picture", status="pending")
    pictures.attach(post, ContentFile(b"display"), ContentFile(b"thumb"))  # private: waiting
    post.image_alt = "My window"
    post.save()
    Comment.objects.filter(pk=post.pk).update(status="published")  # as before the upgrade
    private_url = f"/comments/{post.pk}/picture/"
    assert private_url in cached_page(article)
    call_command("sync_pictures", stdout=io.StringIO())
    post.refresh_from_db()
    page = _anonymous(article)
    assert private_url not in page and post.image.url in page
