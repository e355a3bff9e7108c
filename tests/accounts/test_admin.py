"""Staff see subscribers and deliveries in the admin, filter them and export a CSV."""

import csv
import io

import pytest
from django.utils import timezone

from accounts.models import Delivery, Subscriber

pytestmark = pytest.mark.django_db


def _subscriber(email, name="Sample Reader", **fields):
    return Subscriber.objects.create(email=email, name=name, unsubscribe_key=email, **fields)


def test_subscriber_list_filters_by_confirmation(client, staff):
    _subscriber("confirmed@example.org", confirmed_at=timezone.now())
    _subscriber("waiting@example.org")
    client.force_login(staff)
    page = client.get("/admin/accounts/subscriber/?confirmed=yes").content.decode()
    assert "confirmed@example.org" in page and "waiting@example.org" not in page
    page = client.get("/admin/accounts/subscriber/?q=waiting").content.decode()
    assert "waiting@example.org" in page and "confirmed@example.org" not in page


def test_subscriber_csv_export_defuses_formulas(client, staff):
    first = _subscriber("a@example.org", name="=HYPERLINK(1)")
    second = _subscriber("b@example.org", source="sidebar")
    client.force_login(staff)
    response = client.post(
        "/admin/accounts/subscriber/",
        {"action": "export_csv", "_selected_action": [first.pk, second.pk]},
    )
    assert response["Content-Type"] == "text/csv"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["email", "name", "source"]
    assert rows[1][:2] == ["a@example.org", "'=HYPERLINK(1)"]
    assert rows[2][2] == "sidebar"


def test_delivery_list_shows_failed_mail(client, staff):
    Delivery.objects.create(
        key="k", to="r@example.org", subject="Confirm please", text_body="t", status="failed"
    )
    client.force_login(staff)
    page = client.get("/admin/accounts/delivery/?status__exact=failed").content.decode()
    assert "Confirm please" in page and "Failed (will retry)" in page


def _member_with_a_past(member, article, make_comment):
    from accounts import subscriptions

    post = make_comment(article, member, body="A member's words", ip_address="203.0.113.7")
    past = _subscriber("Member+old@example.org", name="Member Realname")
    make_comment(article, past, body="Written as a guest", ip_address="203.0.113.8")
    subscriptions.send_confirmation(past)
    return post


@pytest.mark.parametrize("how", ["single", "bulk"])
def test_deleting_a_member_in_the_admin_erases_their_data_and_keeps_posts_anonymous(
    client, staff, member, article, make_comment, how
):
    from comments.models import Comment

    post = _member_with_a_past(member, article, make_comment)
    client.force_login(staff)
    if how == "single":
        url = f"/admin/accounts/user/{member.pk}/delete/"
        assert "kept without their name" in client.get(url).content.decode()
        client.post(url, {"post": "yes"})
    else:
        form = {"action": "delete_selected", "_selected_action": [member.pk]}
        page = client.post("/admin/accounts/user/", form).content.decode()
        assert "kept without their name" in page
        client.post("/admin/accounts/user/", {**form, "post": "yes"})
    assert not type(member).objects.filter(pk=member.pk).exists()
    post.refresh_from_db()  # kept, anonymously
    assert (post.body, post.author_user, post.ip_address) == ("A member's words", None, None)
    past = Comment.objects.get(body="Written as a guest")  # their guest past, the same way
    assert (past.author_subscriber, past.guest_key, past.ip_address) == (None, "", None)
    assert not Subscriber.objects.exists()
    assert not Delivery.objects.exists()


@pytest.mark.parametrize("how", ["single", "bulk"])
def test_deleting_a_subscriber_in_the_admin_erases_their_data(
    client, staff, article, make_comment, how
):
    from accounts import subscriptions
    from comments.models import Comment

    guest = _subscriber("gwen.q@gmail.com", name="Gwen Realname")
    make_comment(article, guest, body="Guest words", ip_address="203.0.113.8")
    subscriptions.send_confirmation(guest)
    client.force_login(staff)
    if how == "single":
        client.post(f"/admin/accounts/subscriber/{guest.pk}/delete/", {"post": "yes"})
    else:
        client.post(
            "/admin/accounts/subscriber/",
            {"action": "delete_selected", "_selected_action": [guest.pk], "post": "yes"},
        )
    assert not Subscriber.objects.exists()
    assert not Comment.objects.exists()
    assert not Delivery.objects.exists()
