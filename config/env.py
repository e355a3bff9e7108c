"""Read the environment once, the way the configuration contract describes.

A bad value stops start-up with one line naming the variable (SystemExit, not a traceback).
"""

# These errors are for operators on the command line, read before translations are: they stay
# in English, on purpose not marked for translation.

import os
from urllib.parse import unquote, urlparse

import dj_database_url

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


def fail(name, problem):
    raise SystemExit(f"Configuration error: {name} {problem}")


def env_str(name, default=""):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    fail(name, f"must be one of 1/0, true/false, yes/no, on/off (got {raw!r})")


def env_int(name, default, minimum=None):
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        fail(name, f"must be a whole number (got {raw!r})")
    if minimum is not None and value < minimum:
        fail(name, f"must be at least {minimum} (got {value})")
    return value


def env_list(name, default):
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_choice(name, default, choices):
    value = os.environ.get(name, default).strip().lower()
    if value not in choices:
        fail(name, f"must be one of {', '.join(sorted(choices))} (got {value!r})")
    return value


def env_database(name, default):
    raw = os.environ.get(name, default)
    return _database(name, raw, shown=repr(raw))


REPLICA_OPTIONS = {
    "connect_timeout": 2,
    "tcp_user_timeout": 5000,
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 5,
    "keepalives_count": 3,
}


def env_database_replicas(name, primary):
    """Read-only copies of the primary (kindred/replicas.py), comma-separated URLs: Django's
    DATABASES entries "replica_1", "replica_2", ... in that order, with the primary's options.
    In tests each mirrors the primary (the test database is made once, on the primary)."""
    urls = [url.strip() for url in os.environ.get(name, "").split(",") if url.strip()]
    replicas = {}
    for number, url in enumerate(urls, start=1):
        # Its place in the list, not the URL: that holds a password.
        config = _database(name, url, shown=f"its URL number {number}")
        if config["ENGINE"] != primary["ENGINE"]:
            fail(name, f"must name the same kind of database as DATABASE_URL (URL {number})")
        if config["ENGINE"] == "django.db.backends.postgresql":
            # A replica that drops packets must not hold a page for libpq's default (forever):
            # a connection not made within connect_timeout seconds, or a query on an open one
            # whose packets go unanswered for tcp_user_timeout milliseconds, fails, and the page
            # reads the primary (kindred/replicas.py). Keepalives find a dead idle connection.
            options = config.setdefault("OPTIONS", {})
            for option, value in REPLICA_OPTIONS.items():
                options.setdefault(option, value)
        config["TEST"] = {"MIRROR": "default"}
        replicas[f"replica_{number}"] = config
    return replicas


def _database(name, raw, shown):
    try:
        config = dj_database_url.parse(raw, conn_max_age=60, conn_health_checks=True)
    except ValueError as exc:
        fail(name, f"is not a database URL we understand ({exc})")
    if not config.get("ENGINE"):
        fail(name, f"is not a database URL we understand (got {shown})")
    return config


def env_site_url(name, default):
    raw = os.environ.get(name, default).rstrip("/")
    parts = urlparse(raw)
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.path:
        fail(name, f"must look like https://example.org, without a path (got {raw!r})")
    return raw


def env_redis(name):
    raw = os.environ.get(name, "")
    if raw and urlparse(raw).scheme not in {"redis", "rediss", "unix"}:
        fail(name, f"must start with redis://, rediss:// or unix:// (got {raw!r})")
    return raw


def env_email(name, default, *, webhook_secret="", mailgun_signing_key=""):
    """Turn EMAIL_URL into Django's email settings (a provider's with its webhook secrets)."""
    raw = os.environ.get(name, default)
    parts = urlparse(raw)
    if parts.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parts.scheme == "file":
        if not parts.path:
            fail(name, f"file:// needs a folder, e.g. file:///tmp/mail (got {raw!r})")
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": parts.path,
        }
    if parts.scheme in {"smtp", "smtp+tls", "smtp+ssl"}:
        if not parts.hostname:
            fail(name, f"needs a host, e.g. smtp://mail.example.org:587 (got {raw!r})")
        try:
            port = parts.port
        except ValueError:
            fail(name, f"has a bad port (got {raw!r})")
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": parts.hostname,
            "EMAIL_PORT": port or (465 if parts.scheme == "smtp+ssl" else 25),
            "EMAIL_HOST_USER": unquote(parts.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
            "EMAIL_USE_TLS": parts.scheme == "smtp+tls",
            "EMAIL_USE_SSL": parts.scheme == "smtp+ssl",
            "EMAIL_TIMEOUT": 15,
        }
    if parts.scheme in PROVIDERS:
        return _provider(name, raw, parts, webhook_secret, mailgun_signing_key)
    fail(
        name,
        "must start with smtp://, smtp+tls://, smtp+ssl://, "
        + ", ".join(f"{scheme}://" for scheme in PROVIDERS)
        + f", console:// or file:// (got {raw!r})",
    )


# Mail through a provider's API (django-anymail): scheme -> (backend, the key's setting name).
PROVIDERS = {
    "mailgun": ("anymail.backends.mailgun.EmailBackend", "MAILGUN_API_KEY"),
    "postmark": ("anymail.backends.postmark.EmailBackend", "POSTMARK_SERVER_TOKEN"),
    "sendgrid": ("anymail.backends.sendgrid.EmailBackend", "SENDGRID_API_KEY"),
    "brevo": ("anymail.backends.brevo.EmailBackend", "BREVO_API_KEY"),
}


def _provider(name, raw, parts, secret, signing):
    """mailgun://KEY@mg.example.org[?region=eu], postmark://TOKEN@, sendgrid://KEY@,
    brevo://KEY@. The provider's bounce and complaint webhooks need ANYMAIL_WEBHOOK_SECRET
    ("user:password", the basic auth the provider is given); Mailgun signs its webhooks too
    (ANYMAIL_MAILGUN_WEBHOOK_SIGNING_KEY)."""
    backend, key_setting = PROVIDERS[parts.scheme]
    key = unquote(parts.username or "")
    if not key:
        fail(name, f"needs the provider's API key before the @, e.g. {parts.scheme}://KEY@")
    if ":" not in secret:
        fail(
            "ANYMAIL_WEBHOOK_SECRET",
            "must be set to user:password (the basic auth of the provider's bounce webhook) "
            f"when EMAIL_URL uses {parts.scheme}://",
        )
    anymail = {key_setting: key, "WEBHOOK_SECRET": secret}
    if parts.scheme == "mailgun":
        if not parts.hostname:
            fail(name, "needs the sending domain, e.g. mailgun://KEY@mg.example.org")
        anymail["MAILGUN_SENDER_DOMAIN"] = parts.hostname
        if "region=eu" in (parts.query or ""):
            anymail["MAILGUN_API_URL"] = "https://api.eu.mailgun.net/v3"
        if signing:
            anymail["MAILGUN_WEBHOOK_SIGNING_KEY"] = signing
    return {"EMAIL_BACKEND": backend, "ANYMAIL": anymail}
