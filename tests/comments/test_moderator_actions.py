"""A moderator's edit reaches readers at once and is logged with the words before it; staff
cannot be banned from the moderation tools."""

import pytest

from comments import moderator_actions
from comments.models import Ban, Comment, ModerationAction

pytestmark = pytest.mark.django_db


def _change(client, comment, **data):
    data.setdefault("image_alt", comment.image_alt)
    return client.post(f"/admin/comments/comment/{comment.pk}/change/", data)


def test_redaction_reaches_the_cached_page_of_anonymous_readers(
    client, moderator, article, make_subscriber, make_comment, settings
):
    settings.COMMENTS_READ_GATE = False  # anonymous readers see the thread
    settings.PAGE_CACHE_SECONDS = 600
    comment = make_comment(article, make_subscriber(), body="Call Jo on 555 123 4567 tonight")
    reader = type(client)()
    assert "555 123 4567" in reader.get(article.get_absolute_url()).content.decode()
    cached = reader.get(article.get_absolute_url())
    assert cached["X-Page-Cache"] == "hit"  # what the next reader is served

    client.force_login(moderator)
    response = _change(client, comment, body="Call Jo [number removed] tonight")
    assert response.status_code == 302

    page = reader.get(article.get_absolute_url())
    assert page["X-Page-Cache"] == "miss"
    text = page.content.decode()
    assert "[number removed]" in text and "555 123 4567" not in text
    comment.refresh_from_db()
    assert "555" not in comment.body_html
    entry = ModerationAction.objects.get(action="edit")
    assert entry.actor == moderator
    assert "Call Jo on 555 123 4567 tonight" in entry.text_before
    log_page = client.get("/admin/comments/moderationaction/").content.decode()
    assert "Call Jo on 555 123 4567 tonight" in log_page


def test_moderator_edit_of_the_picture_description_is_logged(article, make_comment, moderator):
    comment = make_comment(
        article, body="Our ramp", image="comments/ramp.webp", image_alt="Ramp at 12 Oak Street"
    )
    moderator_actions.moderator_edit(comment, moderator, body="Our ramp", image_alt="A wooden ramp")
    comment.refresh_from_db()
    assert comment.image_alt == "A wooden ramp"
    entry = ModerationAction.objects.get()
    assert entry.note == "changed: picture description"
    assert "Ramp at 12 Oak Street" in entry.text_before


def test_moderator_edit_is_not_held_by_the_policy(article, make_comment, moderator):
    comment = make_comment(article, body="See the guide")
    links = "See https://a.example https://b.example https://c.example https://d.example"
    moderator_actions.moderator_edit(comment, moderator, body=links)
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PUBLISHED
    assert comment.body_html.count("<a ") == 4


def test_emptying_a_text_only_post_in_the_admin_is_refused(
    client, article, make_comment, moderator
):
    comment = make_comment(article, body="Something")
    client.force_login(moderator)
    response = _change(client, comment, body="   ")
    assert response.status_code == 200
    assert "Every post needs text or a picture" in response.content.decode()
    comment.refresh_from_db()
    assert comment.body == "Something"
    assert not ModerationAction.objects.exists()


@pytest.fixture
def staff_post(article, make_comment, staff):
    return make_comment(article, staff, body="From the editor")


def test_moderator_cannot_ban_a_superuser_from_the_queue(client, moderator, staff_post):
    client.force_login(moderator)
    response = client.post(
        "/admin/comments/comment/",
        {
            "action": "ban_authors",
            "_selected_action": [staff_post.pk],
            "confirm": "yes",
            "reason": "no",
        },
        follow=True,
    )
    assert "Staff members and superusers cannot be banned" in response.content.decode()
    assert not Ban.objects.exists()
    with pytest.raises(moderator_actions.CannotBan):
        moderator_actions.ban_author(staff_post, moderator, reason="no")
    assert not Ban.objects.exists()


def test_moderator_cannot_ban_a_staff_member_by_hand(
    client, moderator, django_user_model, make_subscriber, article, make_comment
):
    colleague = django_user_model.objects.create_user(
        email="colleague@example.org", password="x" * 20, display_name="Sample Colleague"
    )
    colleague.is_staff = True
    colleague.save()
    client.force_login(moderator)
    for data in ({"person": "Sample Colleague"}, {"email": "COLLEAGUE@example.org"}):
        response = client.post("/admin/comments/ban/add/", {"reason": "no", **data})
        assert response.status_code == 200
        assert "Staff members and superusers cannot be banned" in response.content.decode()
    assert not Ban.objects.exists()
    # A guest using a staff member's address is not banned through them either.
    guest_post = make_comment(article, make_subscriber(email="colleague@example.org"))
    with pytest.raises(moderator_actions.CannotBan):
        moderator_actions.ban_author(guest_post, moderator, reason="no")


def test_moderator_still_bans_members(client, moderator, member, article, make_comment):
    post = make_comment(article, member, body="Spam")
    client.force_login(moderator)
    client.post(
        "/admin/comments/comment/",
        {"action": "ban_authors", "_selected_action": [post.pk], "confirm": "yes", "reason": "x"},
    )
    assert Ban.objects.get().user == member
