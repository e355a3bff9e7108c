"""Real servers for the integration tests: gunicorn, a private Redis, a cuttable database cable.

These tests start the app the way production runs it (gunicorn with gunicorn.conf.py, settings
from the environment) against pytest-django's test database, and talk to it over HTTP like a
browser. They need PostgreSQL (SQLite cannot be shared by several servers) and Redis, so they run
in the second pass of .ci/run and are skipped otherwise.

The servers keep the test run's PYTEST_VERSION, so the settings' TESTING switches apply to them
as to the suite: the fast password hasher (members are created here, in the test process) and
static files from the finders (the suite never runs collectstatic). Everything else is
production's: DEBUG off, the request log on, the shared page cache, the 503 page.
"""

from pathlib import Path

import pytest

from tests.integration.browser import PASSWORD
from tests.integration.servers import AppServer, RedisServer, TcpProxy, database_address

HERE = Path(__file__).resolve().parent
SKIP_REASON = "needs PostgreSQL and Redis: runs in the second pass of .ci/run"


def _has_services():
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    return engine == "django.db.backends.postgresql" and bool(settings.REDIS_URL)


def pytest_collection_modifyitems(config, items):
    if _has_services():
        return
    skip = pytest.mark.skip(reason=SKIP_REASON)
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(skip)


# --- Fixtures -------------------------------------------------------------------------------
@pytest.fixture
def verified_member(transactional_db, django_user_model):
    """A member who can log in: allauth wants a verified address first."""
    from allauth.account.models import EmailAddress

    user = django_user_model.objects.create_user(
        email="member@example.org", password=PASSWORD, display_name="Sample Member"
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.fixture
def start_server(tmp_path, django_db_setup, redis_server):
    """Start gunicorn instances for one test, on the test's own Redis; stopped when it ends."""
    servers = []

    def start(name="app", **env):
        env.setdefault("REDIS_URL", redis_server.url)
        server = AppServer(name, tmp_path / "servers", **env)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def redis_server():
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture
def database_cable():
    """A proxy in front of the test database; the test may cut it and plug it back in."""
    proxy = TcpProxy(database_address()).start()
    yield proxy
    if proxy.is_plugged_in:
        proxy.cut()
