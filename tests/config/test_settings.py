"""Start-up configuration: a bad value stops the site with one line naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]


# Variables of the test run itself that a real start-up would not have.
_TEST_ONLY = {"PYTEST_VERSION", "DJANGO_ALLOW_ASYNC_UNSAFE", "DEBUG", "SECRET_KEY"}


def _environment(**env):
    clean = {k: v for k, v in os.environ.items() if k not in _TEST_ONLY}
    clean.update(env)
    return clean


def _start(code="import config.settings", **env):
    """Import the settings in a fresh interpreter, as `manage.py` or gunicorn would."""
    clean = _environment(**env)
    return subprocess.run(  # noqa: S603 - code written in this file
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "env, variable",
    [
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"DEBUG": "0"}, "SECRET_KEY"),
        ({"DEBUG": "1", "DATABASE_URL": "nosuchdb://x"}, "DATABASE_URL"),
        ({"DEBUG": "1", "DATABASE_REPLICA_URLS": "nosuchdb://x"}, "DATABASE_REPLICA_URLS"),
        (  # a PostgreSQL replica of an SQLite database
            {
                "DEBUG": "1",
                "DATABASE_URL": "sqlite:///k.db",
                "DATABASE_REPLICA_URLS": "postgres://r/k",
            },
            "DATABASE_REPLICA_URLS",
        ),
        ({"DEBUG": "1", "EMAIL_URL": "pigeon://coop"}, "EMAIL_URL"),
        ({"DEBUG": "1", "SITE_URL": "kindred.example"}, "SITE_URL"),
        ({"DEBUG": "1", "REDIS_URL": "http://127.0.0.1"}, "REDIS_URL"),
        ({"DEBUG": "1", "TASKS_BACKEND": "celery"}, "TASKS_BACKEND"),
        ({"DEBUG": "1", "REVIEW_INTERVAL_DAYS": "soon"}, "REVIEW_INTERVAL_DAYS"),
        ({"DEBUG": "1", "ADMIN_URL": "/admin"}, "ADMIN_URL"),
        (
            {"DEBUG": "1", "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto: https"},
            "SECURE_PROXY_SSL_HEADER",
        ),
        ({"DEBUG": "1", "MEDIA_STORAGE": "s3"}, "AWS_STORAGE_BUCKET_NAME"),
        ({"DEBUG": "1", "MEDIA_STORAGE": "floppy"}, "MEDIA_STORAGE"),
        ({"DEBUG": "1", "PAGE_CACHE_SECONDS": "-1"}, "PAGE_CACHE_SECONDS"),
        ({"DEBUG": "1", "MAIL_BODY_RETENTION_DAYS": "a month"}, "MAIL_BODY_RETENTION_DAYS"),
        ({"DEBUG": "1", "TRUSTED_PROXY_COUNT": "-1"}, "TRUSTED_PROXY_COUNT"),
    ],
)
def test_bad_value_stops_start_up_with_one_line(env, variable):
    result = _start(**env)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Configuration error: {variable} ")
    assert "Traceback" not in result.stderr


def test_defaults_start_in_debug():
    assert _start(DEBUG="1").returncode == 0


def test_production_settings_pass_the_deployment_checklist():
    env = _environment(
        DEBUG="0",
        SECRET_KEY="x" * 20 + "-production-grade-secret-key-0123456789-abcdefghijklmnop",
        SITE_URL="https://kindred.example",
        ALLOWED_HOSTS="kindred.example",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_every_model_change_has_a_migration():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def _django_prints(code, **env):
    """Run `code` after django.setup() in a fresh interpreter with this environment."""
    result = _start(
        code=f"import django; django.setup(); {code}",
        DJANGO_SETTINGS_MODULE="config.settings",
        **env,
    )
    return result.stdout.strip(), result.stderr


def test_admin_moves_to_the_configured_address():
    out, err = _django_prints(
        "from django.urls import reverse; print(reverse('admin:index'))",
        DEBUG="1",
        ADMIN_URL="staff-room/",
    )
    assert out == "/staff-room/", err


def test_s3_media_storage_is_chosen_by_the_environment():
    out, err = _django_prints(
        "from django.core.files.storage import storages; "
        "s = storages['default']; print(type(s).__name__, s.bucket_name)",
        DEBUG="1",
        MEDIA_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME="kindred-media",
        AWS_S3_ENDPOINT_URL="http://127.0.0.1:9000",
    )
    assert out == "S3Storage kindred-media", err


@pytest.mark.parametrize(
    "env, seconds",
    [
        ({"SECRET_KEY": "x" * 50, "REDIS_URL": "redis://127.0.0.1:6379/0"}, 600),
        ({"SECRET_KEY": "x" * 50}, 0),  # per-process copies would miss other workers' changes
        ({"SECRET_KEY": "x" * 50, "PAGE_CACHE_SECONDS": "30"}, 30),  # one process: allowed
        ({"DEBUG": "1"}, 600),  # runserver: one process
    ],
)
def test_the_page_cache_is_on_by_default_only_where_its_counters_are_shared(env, seconds):
    env = {"REDIS_URL": "", **env}  # not the test run's own Redis, unless given
    started = _start("import config.settings as s; print(s.PAGE_CACHE_SECONDS)", **env)
    assert started.returncode == 0, started.stderr
    assert started.stdout.split() == [str(seconds)]


def test_earlier_secret_keys_are_read_from_the_environment():
    started = _start(
        "import config.settings as s; print(s.SECRET_KEY_FALLBACKS, s.MAIL_BODY_RETENTION_DAYS)",
        SECRET_KEY="new-" + "x" * 50,
        SECRET_KEY_FALLBACKS=" old-key-one , old-key-two",
        MAIL_BODY_RETENTION_DAYS="7",
    )
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == "['old-key-one', 'old-key-two'] 7"
