"""A browser for the integration tests: forms, cookies, no redirects followed."""

import http.client
import json
import re
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

PASSWORD = "a-long-test-password"


@dataclass
class Page:
    status: int
    headers: http.client.HTTPMessage
    text: str

    def field(self, name):
        """The value of the first form input called `name` on the page."""
        match = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', self.text)
        assert match, f"no {name!r} field on the page (status {self.status})"
        return match.group(1)

    def json(self):
        return json.loads(self.text)


class Browser:
    """One visitor. Its cookies go to every server, as behind a load balancer on one host."""

    def __init__(self):
        self.cookies = {}

    def get(self, url):
        return self._request("GET", url)

    def post(self, url, data):
        return self._request("POST", url, urlencode(data))

    def csrf_token(self, server):
        """A token the way the site's script gets one for forms on cached pages."""
        return self.get(server.url + "/csrf/").json()["token"]

    def log_in(self, server, email):
        form = self.get(server.url + "/accounts/login/")
        page = self.post(
            server.url + "/accounts/login/",
            {
                "csrfmiddlewaretoken": form.field("csrfmiddlewaretoken"),
                "login": email,
                "password": PASSWORD,
            },
        )
        assert page.status == 302, f"login refused ({page.status})"
        assert "sessionid" in self.cookies

    def subscribe(self, server, name, email):
        return self.post(
            server.url + "/subscribe/",
            {"csrfmiddlewaretoken": self.csrf_token(server), "name": name, "email": email},
        )

    def _request(self, method, url, body=None):
        parts = urlsplit(url)
        headers = {"Connection": "close"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        try:
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            connection.request(method, path, body, headers)
            response = connection.getresponse()
            page = Page(response.status, response.headers, response.read().decode())
        finally:
            connection.close()
        for header in page.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return page
