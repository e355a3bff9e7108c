"""Before personal details go public, the author is asked to confirm or edit."""

import pytest

from comments.models import Comment
from comments.privacy_nudge import find_personal_details

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "text, found",
    [
        ("Call me on 555-123-4567", ["a phone number"]),
        ("My number is +44 20 7946 0958.", ["a phone number"]),
        ("Write to jo.sample@example.org", ["an email address"]),
        ("We live at 42 Maple Street now", ["a street address"]),
        ("I'm at 1600 Pennsylvania Ave.", ["a street address"]),
        ("I was diagnosed in 2019 at age 34, 3 years ago.", []),
        ("Dose is 5 mg twice a day", []),
    ],
)
def test_finds_phone_numbers_emails_and_street_addresses(text, found):
    assert find_personal_details(text) == found


def test_post_with_a_phone_number_asks_first_and_stores_nothing(
    client, member, article, post_comment
):
    client.force_login(member)
    response = post_comment(client, article, body="Text me: 555 123 4567")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Others will see this." in page and "a phone number" in page
    assert "Text me: 555 123 4567" in page  # kept in the form to edit
    assert not Comment.objects.exists()
    post_comment(client, article, body="Text me: 555 123 4567", confirm_details="on")
    assert Comment.objects.get().body == "Text me: 555 123 4567"
