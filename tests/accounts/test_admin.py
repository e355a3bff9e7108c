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
