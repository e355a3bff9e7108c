"""Benchmark (never part of `make test`): does an answer's time tell whether an address is known?

Times sign-up, subscribe and password reset for an address that has an account (or a
subscription) and for a new one, with production's password hasher and the database task
backend (mail is written for the worker, as in production), and prints the median of each and
the ratio known/unknown (1.00 = the same). Run with `make bench`.

On SQLite every write waits for the disk, so the new account's extra rows show; the figures to
quote come from PostgreSQL: BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/<empty db>.
"""

import itertools
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
workdir = tempfile.mkdtemp(prefix="kindred-bench-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["DEBUG"] = "0"
os.environ["REQUEST_LOG"] = "0"
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")
# BENCH_DATABASE_URL: time against PostgreSQL (an empty database of your own) instead.
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3"
)
os.environ["ALLOWED_HOSTS"] = "testserver"
os.environ["TASKS_BACKEND"] = "database"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "15"))
_numbers = itertools.count(1)


def _timed(post):
    start = time.perf_counter()
    response = post()
    elapsed = time.perf_counter() - start
    assert response.status_code == 302, response.status_code
    return elapsed


def _fresh_address():
    return f"new{next(_numbers)}@example.org"


def _client():
    # A new visitor each time, from a new address: only the per-address work is compared.
    return Client(REMOTE_ADDR=f"10.{next(_numbers) % 250}.0.1")


def compare(name, post_known, post_unknown):
    known, unknown = [], []
    post_known(), post_unknown()  # warm up
    for _ in range(ROUNDS):  # interleaved, so drift affects both alike
        known.append(_timed(post_known))
        unknown.append(_timed(post_unknown))
    known_ms, unknown_ms = statistics.median(known) * 1000, statistics.median(unknown) * 1000
    print(
        f"{name:<15} known {known_ms:8.1f} ms   unknown {unknown_ms:8.1f} ms   "
        f"ratio known/unknown {known_ms / unknown_ms:5.2f}"
    )


def main():
    setup_test_environment()  # mail to memory
    # The limits would stop a benchmark that asks for one address many times.
    settings.ACCOUNT_RATE_LIMITS = False
    settings.PASSWORD_RESET_MAIL_LIMIT = (10**6, 3600)
    settings.SUBSCRIBE_RATE_LIMIT = (10**6, 3600)
    call_command("migrate", verbosity=0)

    from allauth.account.models import EmailAddress

    from accounts.models import Subscriber, User

    member = User.objects.create_user(
        email="member@example.org", password="a-long-bench-password", display_name="Member"
    )
    EmailAddress.objects.create(user=member, email=member.email, verified=True, primary=True)
    Subscriber.objects.create(
        email="reader@example.org",
        name="Reader",
        unsubscribe_key="bench-key",
        confirmed_at=member.date_joined,
    )

    def signup(email):
        return lambda: _client().post(
            "/accounts/signup/",
            {
                "email": email() if callable(email) else email,
                "display_name": "Sample Newcomer",
                "password1": "correct-horse-battery",
                "password2": "correct-horse-battery",
                "agrees_to_terms": "on",
            },
        )

    def subscribe(email):
        return lambda: _client().post(
            "/subscribe/",
            {"name": "Sample Reader", "email": email() if callable(email) else email},
        )

    def reset(email):
        return lambda: _client().post(
            "/accounts/password/reset/", {"email": email() if callable(email) else email}
        )

    print(f"Known vs unknown address, median of {ROUNDS} (hasher: {settings.PASSWORD_HASHERS[0]})")
    compare("sign-up", signup(member.email), signup(_fresh_address))
    compare("subscribe", subscribe("reader@example.org"), subscribe(_fresh_address))
    compare("password reset", reset(member.email), reset(_fresh_address))


if __name__ == "__main__":
    main()
