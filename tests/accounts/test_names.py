"""Names people give are shown on pages and put into mails sent to others (the guest box's
name goes into a confirmation mail to whatever address was typed): they carry no web or email
address, so nobody can send a link from our domain through a name."""

import pytest
from django.core import mail

pytestmark = pytest.mark.django_db

LINKED_NAMES = [
    "Alice see https://evil.example/login",
    "Alice www.evil.example",
    "Alice cheap-pills.com",
    "Alice evil.example/login",
    "Write to alice@evil.example",
]


@pytest.mark.parametrize("name", LINKED_NAMES)
def test_the_guest_box_refuses_a_name_with_an_address_in_it(client, name):
    response = client.post("/subscribe/", {"name": name, "email": "victim@example.org"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Please give a name without a web or email address in it." in page
    assert mail.outbox == []


@pytest.mark.parametrize("name", LINKED_NAMES[:2])
def test_a_display_name_with_an_address_in_it_is_refused(client, member, name):
    client.force_login(member)
    response = client.post("/account/", {"display_name": name, "bio": ""})
    assert "Please give a name without a web or email address in it." in response.content.decode()
    member.refresh_from_db()
    assert member.display_name == "Sample Member"


@pytest.mark.parametrize("name", ["Mrs. Jones", "J.R. Hartley", "Ana-María O'Neil", "Dr.Smith"])
def test_ordinary_names_are_kept(client, name):
    response = client.post("/subscribe/", {"name": name, "email": "reader@example.org"})
    assert response.status_code == 302
