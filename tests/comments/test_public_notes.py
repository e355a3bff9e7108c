"""Public notes and pinned posts: a moderator's note, or a medical reviewer's signed note (a
correction instead of a silent deletion), shown under the post to its readers; one post per
article pinned to the top of the thread. Both are audited and show on cached pages at once."""

import re

import pytest
from django.test import Client

from comments import public_notes
from comments.models import Comment, ModerationAction
from tests.conftest import cached_page, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _thread_visible(settings):
    settings.COMMENTS_READ_GATE = False  # anonymous readers see the thread itself


def _decide(user, post, **data):
    return signed_in(user).post(f"/admin/comments/comment/{post.pk}/decide/", data, follow=True)


def _post_html(page, post):
    """The post's own part of the page, up to the next post."""
    return re.search(rf'id="comment-{post.pk}".*?(?=<li class="comment|</ol>)', page, re.S).group(0)


def test_a_moderators_note_shows_under_the_post_on_the_cached_page_at_once(
    article, member, make_comment, moderator
):
    post = make_comment(article, member, body="Stop taking your medicine, it is poison.")
    assert "Moderator's note" not in cached_page(article)
    response = _decide(
        moderator,
        post,
        decision="note",
        signed="moderator",
        public_note="Please talk to your doctor <b>before</b> changing a medicine.",
    )
    assert "The note is on the post" in response.content.decode()
    html = _post_html(cached_page(article), post)
    assert 'role="note"' in html and f'aria-labelledby="note-{post.pk}"' in html
    assert f'id="note-{post.pk}"' in html and "Moderator's note" in html
    assert "&lt;b&gt;before&lt;/b&gt;" in html  # plain text, escaped
    entry = ModerationAction.objects.get(action="note added")
    assert entry.actor == moderator and "talk to your doctor" in entry.note

    _decide(moderator, post, decision="remove_note")
    assert "talk to your doctor" not in cached_page(article)
    assert ModerationAction.objects.get(action="note removed").text_before.startswith("Please")


def test_a_medical_reviewer_signs_a_correction_with_their_name(
    article, member, make_comment, medical_reviewer
):
    post = make_comment(article, member, body="This condition is caused by vaccines.")
    _decide(
        medical_reviewer,
        post,
        decision="note",
        signed="reviewer",
        public_note="Research does not support this. The causes are genetic.",
    )
    html = _post_html(cached_page(article), post)
    assert "Reviewer's note" in html and "The causes are genetic." in html
    assert 'href="/reviewers/dr-sample-reviewer/"' in html and "Dr. Sample Reviewer, M.D." in html
    entry = ModerationAction.objects.get(action="note added")
    assert entry.note.startswith("reviewer's note (Dr. Sample Reviewer, M.D.)")


def test_a_reviewer_may_only_sign_notes_not_moderate(
    article, member, make_comment, medical_reviewer
):
    post = make_comment(article, member, body="A post", status="pending")
    assert _decide(medical_reviewer, post, decision="approve").status_code == 403
    response = _decide(
        medical_reviewer, post, decision="note", signed="moderator", public_note="Unsigned"
    )
    assert "choose “as reviewer”" in response.content.decode()
    page = signed_in(medical_reviewer).get(f"/admin/comments/comment/{post.pk}/change/")
    page = page.content.decode()
    assert "Public note" in page and 'value="approve"' not in page
    post.refresh_from_db()
    assert post.status == Comment.Status.PENDING and post.public_note == ""


def test_only_a_linked_reviewer_signs_as_a_reviewer(article, member, make_comment, moderator):
    post = make_comment(article, member, body="A post")
    response = _decide(moderator, post, decision="note", signed="reviewer", public_note="Hi")
    assert "Only a medical reviewer whose profile names your account" in (response.content.decode())
    assert Comment.objects.get(pk=post.pk).public_note == ""


def test_a_note_is_at_most_a_thousand_characters(article, member, make_comment, moderator):
    post = make_comment(article, member, body="A post")
    response = _decide(moderator, post, decision="note", public_note="x" * 1001)
    assert "at most 1000 characters" in response.content.decode()
    assert Comment.objects.get(pk=post.pk).public_note == ""


def test_one_post_per_article_is_pinned_to_the_top(article, member, make_comment, moderator):
    first = make_comment(article, member, body="The oldest post, with good advice")
    second = make_comment(article, member, body="A middle post")
    make_comment(article, member, body="The newest post")
    page = cached_page(article)
    assert page.index("The newest post") < page.index("The oldest post")  # newest first
    _decide(moderator, first, decision="pin")
    page = cached_page(article)
    assert page.index("The oldest post") < page.index("The newest post")
    assert "Pinned by the moderators" in _post_html(page, first)
    oldest_first = Client().get(article.get_absolute_url() + "?order=oldest").content.decode()
    assert oldest_first.index("The oldest post") < oldest_first.index("A middle post")

    _decide(moderator, second, decision="pin")  # in place of the first
    assert list(Comment.objects.filter(is_pinned=True)) == [second]
    page = cached_page(article)
    assert "Pinned by the moderators" in _post_html(page, second)
    assert "Pinned by the moderators" not in _post_html(page, first)
    actions = list(ModerationAction.objects.order_by("pk").values_list("action", "comment"))
    assert actions == [("pin", first.pk), ("unpin", first.pk), ("pin", second.pk)]
    _decide(moderator, second, decision="unpin")
    assert "Pinned by the moderators" not in cached_page(article)


def test_replies_waiting_and_members_only_posts_are_not_pinned(
    article, member, make_comment, moderator
):
    top = make_comment(article, member, body="Top")
    reply = make_comment(article, member, parent=top, body="A reply")
    waiting = make_comment(article, member, body="Waiting", status="pending")
    hidden = make_comment(article, member, body="For members", members_only=True)
    for post in (reply, waiting, hidden):
        with pytest.raises(public_notes.CannotChange):
            public_notes.pin(post, moderator)
    assert not Comment.objects.filter(is_pinned=True).exists()


def test_the_page_reads_the_same_number_of_queries_with_notes_and_a_pin(
    article, member, make_comment, moderator, medical_reviewer, django_assert_num_queries
):
    posts = [make_comment(article, member, body=f"Post {n}") for n in range(3)]
    public_notes.set_note(posts[0], medical_reviewer, "A correction", as_reviewer=True)
    public_notes.set_note(posts[1], moderator, "A word", as_reviewer=False)
    public_notes.pin(posts[2], moderator)
    reader = signed_in(member)
    reader.get(article.get_absolute_url())  # warm the caches
    from django.core.cache import caches

    caches["fragments"].clear()
    with django_assert_num_queries(8):  # as for any member's page (test_query_counts.py)
        page = reader.get(article.get_absolute_url()).content.decode()
    assert "A correction" in page and "A word" in page and "Pinned by the moderators" in page
