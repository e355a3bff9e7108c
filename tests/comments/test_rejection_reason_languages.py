"""Rejection reasons in the reader's language (comments/translation.py): a Spanish text per
reason, seeded for the reasons that came with the site (migration 0021), edited beside the
English one in the admin; each reader (an author, in a mail or on their posts page, a moderator
choosing a reason or reading the digest) gets their language's text, or the English one when
the reason has no Spanish yet."""

import re

import pytest
from django.core import mail
from django.utils import translation

from comments import appeals, moderator_actions
from comments.models import Appeal, Comment, RejectionReason
from comments.notifications import tell_moderators
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db

OFF_TOPIC_EN = "It is not about this article or living with the condition."
OFF_TOPIC_ES = "No trata sobre este artículo ni sobre vivir con la enfermedad."
ABUSE_ES = "Trata a otro miembro, o habla de él, de forma poco amable."


def _speaks(person, language):
    person.language = language
    person.save(update_fields=["language"])
    return person


def _rejected(article, author, make_comment, moderator, reason="off_topic"):
    post = make_comment(article, author, status=Comment.Status.PENDING, body="Mi opinión")
    moderator_actions.reject(post, moderator, reason)
    return post


def test_the_migration_gives_each_seeded_reason_its_spanish_text():
    reasons = {reason.code: reason for reason in RejectionReason.objects.all()}
    assert set(reasons) >= {"spam", "abuse", "misinformation", "personal", "off_topic"}
    for reason in reasons.values():
        assert reason.text_es and reason.text_es != reason.text_en
    assert reasons["off_topic"].text_en == OFF_TOPIC_EN
    assert reasons["off_topic"].text_es == OFF_TOPIC_ES
    # The unsuffixed column keeps the English text (read by queries that name only it).
    assert _plain_text("off_topic") == OFF_TOPIC_EN


def _plain_text(code):
    """The unsuffixed column, as stored."""
    return RejectionReason.objects.filter(code=code).raw_values("text").get()["text"]


def test_a_reason_reads_the_active_language_else_english():
    reason = RejectionReason.objects.get(code="off_topic")
    with translation.override("es"):
        assert reason.text == str(reason) == OFF_TOPIC_ES
    with translation.override("en"):
        assert reason.text == OFF_TOPIC_EN
    RejectionReason.objects.filter(code="off_topic").update(text_es="")
    reason = RejectionReason.objects.get(code="off_topic")
    with translation.override("es"):
        assert reason.text == OFF_TOPIC_EN


def test_a_reason_made_in_code_is_english_whatever_language_is_active():
    with translation.override("es"):
        reason = RejectionReason.objects.create(code="sample", text="A sample reason.")
    reason.refresh_from_db()
    assert reason.text_en == "A sample reason." and not reason.text_es
    with translation.override("es"):
        assert reason.text == "A sample reason."


def test_the_mail_quotes_the_reason_in_the_recipients_language_not_the_moderators(
    article, member, make_comment, moderator
):
    _speaks(moderator, "es")
    _speaks(member, "en")
    # The moderator works in Spanish; the member reads English.
    with translation.override("es"):
        _rejected(article, member, make_comment, moderator)
    [told] = [m for m in mail.outbox if m.to == [member.email]]
    assert told.extra_headers["Content-Language"] == "en"
    assert OFF_TOPIC_EN in told.body and OFF_TOPIC_ES not in told.body
    assert OFF_TOPIC_EN in told.alternatives[0][0]

    mail.outbox.clear()
    _speaks(member, "es")
    with translation.override("en"):
        _rejected(article, member, make_comment, moderator, reason="abuse")
    [told] = [m for m in mail.outbox if m.to == [member.email]]
    assert told.extra_headers["Content-Language"] == "es"
    assert f"El motivo: {ABUSE_ES}" in told.body
    assert ABUSE_ES in told.alternatives[0][0]


def test_a_reason_with_no_spanish_is_quoted_in_english_to_a_spanish_member(
    article, member, make_comment, moderator
):
    _speaks(member, "es")
    RejectionReason.objects.filter(code="off_topic").update(text_es=None)
    _rejected(article, member, make_comment, moderator)
    [told] = [m for m in mail.outbox if m.to == [member.email]]
    assert f"El motivo: {OFF_TOPIC_EN}" in told.body


def test_own_posts_page_gives_the_reason_in_the_members_language_at_no_extra_query(
    article, member, make_comment, moderator, django_assert_max_num_queries
):
    for _ in range(3):
        _rejected(article, member, make_comment, moderator)
    client = signed_in(member)
    with django_assert_max_num_queries(5):  # as tests/accounts/test_who_is_speaking.py
        english = client.get("/account/posts/").content.decode()
    assert english.count(f"the reason: {OFF_TOPIC_EN}") == 3
    _speaks(member, "es")
    with django_assert_max_num_queries(5):
        spanish = client.get("/account/posts/").content.decode()
    assert spanish.count(f"el motivo: {OFF_TOPIC_ES}") == 3
    assert OFF_TOPIC_EN not in spanish


def test_a_spanish_moderator_chooses_among_spanish_reasons(
    article, member, make_comment, moderator
):
    _speaks(moderator, "es")
    post = make_comment(article, member, body="Waiting post", status="pending")
    desk = signed_in(moderator)
    page = desk.get(f"/admin/comments/comment/{post.pk}/change/").content.decode()
    assert f'<option value="off_topic">{OFF_TOPIC_ES}</option>' in page
    queue = desk.get("/admin/comments/comment/").content.decode()
    assert OFF_TOPIC_ES in queue and OFF_TOPIC_EN not in queue


def test_the_digest_to_a_spanish_moderator_names_the_appealed_reason_in_spanish(
    article, member, make_comment, moderator
):
    _speaks(moderator, "es")
    post = _rejected(article, member, make_comment, moderator)
    mail.outbox.clear()
    appeals.submit(Appeal.objects.get(comment=post), "Please look again.")
    assert tell_moderators() is True
    [digest] = [m for m in mail.outbox if m.to == [moderator.email]]
    assert OFF_TOPIC_ES in digest.body and OFF_TOPIC_EN not in digest.body


def test_staff_edit_both_languages_side_by_side_whatever_their_own_language(staff):
    _speaks(staff, "es")
    admin = signed_in(staff)
    reason = RejectionReason.objects.get(code="personal")
    page = admin.get(f"/admin/comments/rejectionreason/{reason.pk}/change/").content.decode()
    # The English text under the field's own name, the Spanish beside it, each its own.
    assert re.search(r'name="text"[^>]*value="It shares someone&#x27;s private details\."', page)
    assert re.search(r'name="text_es"[^>]*value="Comparte datos privados de otra persona\."', page)
    response = admin.post(
        f"/admin/comments/rejectionreason/{reason.pk}/change/",
        {
            "text": "It names someone who did not agree to be named.",
            "text_es": "Nombra a alguien que no aceptó que se le nombrara.",
            "is_active": "on",
            "position": "30",
        },
    )
    assert response.status_code == 302, response.content.decode()
    reason.refresh_from_db()
    assert reason.text_en == "It names someone who did not agree to be named."
    assert reason.text_es == "Nombra a alguien que no aceptó que se le nombrara."
    assert _plain_text("personal") == "It names someone who did not agree to be named."

    # The list's quick edit (offered, position), by a staff member working in Spanish, leaves
    # the English column English.
    listing = admin.get("/admin/comments/rejectionreason/").content.decode()
    assert "Nombra a alguien" in listing and "It names someone" in listing
    reason.position = 31
    with translation.override("es"):
        reason.save(update_fields=["position", "text"])
    assert _plain_text("personal") == reason.text_en


def test_the_english_text_is_required_the_spanish_is_not(staff):
    admin = signed_in(staff)
    reason = RejectionReason.objects.get(code="spam")
    url = f"/admin/comments/rejectionreason/{reason.pk}/change/"
    response = admin.post(url, {"text": "", "text_es": "Solo en español", "position": "0"})
    assert response.status_code == 200  # the form again, with its error
    response = admin.post(url, {"text": "Advertising.", "text_es": "", "position": "0"})
    assert response.status_code == 302
    reason.refresh_from_db()
    assert reason.text_en == "Advertising." and not reason.text_es
    with translation.override("es"):
        assert reason.text == "Advertising."
