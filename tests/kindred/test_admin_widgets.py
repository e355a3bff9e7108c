"""The admin's date and time inputs have names a screen reader can read (admin_widgets)."""

import re

import pytest

pytestmark = pytest.mark.django_db


def _names_of_inputs(page):
    """id -> aria-label (or None) of every input on the page that has an id."""
    names = {}
    for tag in re.findall(r"<input[^>]*>", page):
        input_id = re.search(r'id="([^"]+)"', tag)
        name = re.search(r'aria-label="([^"]*)"', tag)
        if input_id:
            names[input_id.group(1)] = name.group(1) if name else None
    return names


@pytest.mark.parametrize(
    "path, field, label",
    [
        ("/admin/comments/ban/add/", "until", "Until"),
        ("/admin/articles/article/add/", "published_at", "Published at"),
        ("/admin/accounts/user/{staff}/change/", "last_login", "Last login"),
        ("/admin/accounts/user/{staff}/change/", "date_joined", "Date joined"),
    ],
)
def test_date_and_time_inputs_are_named_after_their_field(client, staff, path, field, label):
    """axe found #id_until_0 and #id_until_1 (the ban's end) with no label at all."""
    client.force_login(staff)
    page = client.get(path.format(staff=staff.pk)).content.decode()
    names = _names_of_inputs(page)
    assert names[f"id_{field}_0"] == f"{label} (date)"
    assert names[f"id_{field}_1"] == f"{label} (time)"
