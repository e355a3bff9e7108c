"""Kindred settings: one module, read top to bottom, driven by environment variables.

Every variable, its default and what it does: docs/settings.md. All are optional for `make run`.
"""

import os
import re
from pathlib import Path
from urllib.parse import urlparse

from csp.constants import NONE, SELF

from config.env import (
    env_bool,
    env_choice,
    env_database,
    env_database_replicas,
    env_email,
    env_int,
    env_list,
    env_redis,
    env_site_url,
    env_str,
    fail,
)

BASE_DIR = Path(__file__).resolve().parent.parent
# pytest sets PYTEST_VERSION for the whole run; the suite gets a throwaway key and fast hashing.
TESTING = "PYTEST_VERSION" in os.environ

# --- Core -----------------------------------------------------------------------------------
DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "dev-only-insecure-key-never-use-in-production-0123456789abcdef"  # noqa: S105 (dev/test only)
    else:
        fail("SECRET_KEY", "is required when DEBUG is off (set it to a long random string)")
# Earlier keys, comma-separated, still accepted while a new SECRET_KEY takes over: sessions and
# signed links stay valid, mails sealed under the old key can still be sent (accounts/mail.py).
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", [])
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1"])
SITE_URL = env_site_url("SITE_URL", "http://127.0.0.1:8000")
SITE_NAME = "Kindred"
SITE_TAGLINE = "Connect with others who understand."
REVIEW_INTERVAL_DAYS = env_int("REVIEW_INTERVAL_DAYS", 365, minimum=1)
# Where the admin lives: moving it off /admin/ keeps password-guessing robots away.
ADMIN_URL = env_str("ADMIN_URL", "admin/")
if not re.fullmatch(r"([A-Za-z0-9_-]+/)+", ADMIN_URL):
    fail("ADMIN_URL", f"must be a path like 'staff-area/' (no leading slash) (got {ADMIN_URL!r})")

INSTALLED_APPS = [
    "modeltranslation",  # before the admin, as its documentation asks (articles/translation.py)
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",  # a second factor for staff (accounts/staff.py)
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",
    "csp",
    "anymail",
    "accounts",
    "articles",
    "comments",
    # After accounts, whose db_worker command (it waits out a database outage) replaces theirs.
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "config.middleware.EdgeMiddleware",
    "config.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "kindred.page_cache.PageCacheMiddleware",  # answers hits before sessions, auth, templates
    "csp.middleware.CSPMiddleware",
    "config.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.SharedCacheMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kindred.languages.LanguageMiddleware",  # after auth: a member's own choice comes first
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.staff.StaffSecondFactorMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.site",
            ],
        },
    },
]

# --- Data -----------------------------------------------------------------------------------
DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# Read-only copies of the primary ("replica_1", ...) for the pages that may be a moment behind
# it; kindred/replicas.py says which, docs/deploy.md "Read replicas" how to set one up.
DATABASES.update(env_database_replicas("DATABASE_REPLICA_URLS", DATABASES["default"]))
DATABASE_REPLICAS = [alias for alias in DATABASES if alias != "default"]
DATABASE_ROUTERS = ["kindred.replicas.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_redis("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            # Redis down means a slower site, not a broken one (kindred/cache.py).
            "BACKEND": "kindred.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "kindred",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Rendered pieces of pages that are the same for every viewer (each comment's text and details),
# kept in each process: cheaper to fetch than to render, and never worth a network trip.
CACHES["fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "fragments",
    "TIMEOUT": 600,
    "OPTIONS": {"MAX_ENTRIES": 20_000},
}

# --- Identity -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_REDIRECT_URL = "/"
LOGIN_URL = "account_login"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupExtraForm"
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_USER_DISPLAY = "accounts.adapters.user_display"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Kindred] "
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_CHANGE_EMAIL = True
# allauth's built-in rate limits (login, signup, password reset, ...) stay on at their defaults.
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_DEFAULT_HTTP_PROTOCOL = urlparse(SITE_URL).scheme
ACCOUNT_FORMS = {
    "signup": "accounts.auth_forms.SignupForm",
    "reset_password": "accounts.auth_forms.ResetPasswordForm",
}
# Reset (and "no account here") mails to one inbox, whoever asks: at most 3 an hour.
PASSWORD_RESET_MAIL_LIMIT = (3, 3600)
# Staff must use a second factor (accounts/staff.py): an authenticator app, with recovery codes.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_ADAPTER = "accounts.mfa.MFAAdapter"  # secrets sealed at rest
MFA_TOTP_ISSUER = SITE_NAME
# Adding or removing a factor asks for the password (or a code) again unless it was given this
# many seconds ago; a password sign-in that needed no second factor counts (accounts/staff.py).
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
# Setting up a first authenticator also takes a link mailed to the account's verified address
# (accounts/enrolment.py): it works once, in the browser that asked, for this long; at most
# this many are mailed to one account per window (refused when they cannot be counted).
STAFF_ENROLMENT_LINK_MAX_AGE_SECONDS = 30 * 60
STAFF_ENROLMENT_MAIL_LIMIT = (3, 3600)

# --- Mail -----------------------------------------------------------------------------------
globals().update(
    env_email(
        "EMAIL_URL",
        "console://",
        webhook_secret=env_str("ANYMAIL_WEBHOOK_SECRET", ""),
        mailgun_signing_key=env_str("ANYMAIL_MAILGUN_WEBHOOK_SIGNING_KEY", ""),
    )
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Kindred <no-reply@localhost>")
# An inbox the moderators read: replies to their mails to authors go there (none: the mails
# do not invite a reply).
MODERATION_REPLY_TO = env_str("MODERATION_REPLY_TO", "")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Temporary bounces in a row after which an address is suppressed (accounts/deliverability.py).
MAIL_SOFT_BOUNCE_LIMIT = env_int("MAIL_SOFT_BOUNCE_LIMIT", 3, minimum=1)
# Sent mails keep their text this many days (for questions about what was sent), then
# `clear_mail_bodies` empties it. Mails with a log-in, reset or confirmation link keep none.
MAIL_BODY_RETENTION_DAYS = env_int("MAIL_BODY_RETENTION_DAYS", 30, minimum=0)

# --- Files ----------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
# Uploads go to the local folder or, with MEDIA_STORAGE=s3, to an S3-compatible object store
# (django-storages), so every app server sees the same files.
MEDIA_STORAGE = env_choice("MEDIA_STORAGE", "local", {"local", "s3"})
# Let Django serve local uploads itself (make run, a lone container); nginx does it otherwise.
SERVE_MEDIA = env_bool("SERVE_MEDIA", DEBUG or TESTING) and MEDIA_STORAGE == "local"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if MEDIA_STORAGE == "local"
    else {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("AWS_STORAGE_BUCKET_NAME")
            or fail("AWS_STORAGE_BUCKET_NAME", "is required when MEDIA_STORAGE=s3"),
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            "access_key": env_str("AWS_ACCESS_KEY_ID") or None,
            "secret_key": env_str("AWS_SECRET_ACCESS_KEY") or None,
            "custom_domain": env_str("AWS_S3_CUSTOM_DOMAIN") or None,
            "default_acl": None,
            "querystring_auth": False,  # pictures in posts are public anyway
            "file_overwrite": False,
            # Stored with a fixed image type and no sniffing: an upload never runs as a page.
            # Revalidated on each view, so a deleted picture is gone at once. Pictures of posts
            # that are not published are under private/: the bucket must not grant public
            # reads there (docs/deploy.md).
            "object_parameters": {"CacheControl": "public, no-cache"},
        },
    },
    "staticfiles": {
        # Hashed, compressed files in production; plain finders in development and tests,
        # so neither needs `collectstatic` first.
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Security -------------------------------------------------------------------------------
# HTTPS is decided by SITE_URL: a site served over https gets secure cookies, HSTS and redirects.
HTTPS = urlparse(SITE_URL).scheme == "https"
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
# The header a TLS-terminating proxy sets to "https"; "" when no proxy is trusted to say so.
_proxy_header = env_str("SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto" if HTTPS else "")
if _proxy_header and not re.fullmatch(r"[A-Za-z0-9-]+", _proxy_header):
    fail(
        "SECURE_PROXY_SSL_HEADER",
        f"must be a header name such as X-Forwarded-Proto (got {_proxy_header!r})",
    )
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https") if _proxy_header else None
)
# How many proxies of ours stand in front (nginx: 1; a load balancer and nginx: 2): the client's
# address is then read from X-Forwarded-For (config/middleware.py, EdgeMiddleware).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# No inline script or style anywhere (django-csp); the same policy on every page.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = [SITE_URL]

# --- Pages ----------------------------------------------------------------------------------
# The languages the site speaks (kindred/languages.py picks one per request and per mail).
# Adding one: its catalog (`make messages`, then translate locale/<code>/LC_MESSAGES/*.po), its
# formats (config/formats/<code>/), and article columns (articles/translation.py, a migration).
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]
LANGUAGE_COOKIE_NAME = "language"
LANGUAGE_COOKIE_AGE = 365 * 86400
LANGUAGE_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SAMESITE = "Lax"
# A member's switches saved to their account (config/views.py set_language): 30 an hour.
LANGUAGE_RATE_LIMIT = (30, 3600)
# Articles' own languages (articles/translation.py): English is the article, each other language
# a translation shown only when complete and medically reviewed; otherwise the English one.
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
MODELTRANSLATION_PREPOPULATE_LANGUAGE = "en"  # slugs come from the English title
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
ARTICLES_PER_PAGE = 10
RECENT_ARTICLES_COUNT = 6
# How long a page shared by every anonymous reader may be kept by browsers and proxies (nginx's
# micro-cache): a few seconds, so a new comment is never hidden for long behind them.
PUBLIC_CACHE_SECONDS = env_int("PUBLIC_CACHE_SECONDS", 10, minimum=0)
# How long the app keeps a whole article page for anonymous readers in the shared cache (it is
# replaced at once when the page's content changes; 0 turns it off). Members' shared thread
# renderings (comments/thread.py) follow the same counters and are off with it. Off by default
# without Redis outside development: each process would keep copies that the others' changes
# never reach (one process, as `runserver` or `gunicorn -w 1`, may turn it on).
PAGE_CACHE_SECONDS = env_int(
    "PAGE_CACHE_SECONDS", 600 if REDIS_URL or DEBUG or TESTING else 0, minimum=0
)

CSRF_FAILURE_VIEW = "config.views.csrf_failure"
# Forms on cached pages that may be offered again with a token when JavaScript is off.
CSRF_RESEND_VIEWS = ["accounts:subscribe", "comments:post"]
# A member's new name refreshes every cached page: at most 5 a day.
ACCOUNT_RENAME_RATE_LIMIT = (5, 86400)
SUBSCRIBE_RATE_LIMIT = (5, 3600)  # at most 5 subscribe requests an hour from one IP address
CONFIRMATION_RESEND_SECONDS = 600  # one new confirmation mail per address per 10 minutes
# ...and at most 5 an hour to one inbox, however its address is spelled (accounts/addresses.py)
CONFIRMATION_MAIL_LIMIT = (5, 3600)
CONFIRMATION_MAX_AGE_SECONDS = 7 * 24 * 3600

# --- Comments -------------------------------------------------------------------------------
# On (as on the seed page): an anonymous visitor sees the count and the name + email box only.
COMMENTS_READ_GATE = env_bool("COMMENTS_READ_GATE", True)
# Whether the comment box's "also email me new articles" starts ticked (consent is never
# assumed by default: off unless the operator decides otherwise).
COMMENTS_NEWSLETTER_TICKED = env_bool("COMMENTS_NEWSLETTER_TICKED", False)
# Who hears of a possible crisis at once (comments/crisis.py): these staff accounts' addresses,
# else the Moderators group; then every staff account if nobody acts within the minutes.
MODERATION_ON_CALL = env_list("MODERATION_ON_CALL", [])
CRISIS_ESCALATION_MINUTES = env_int("CRISIS_ESCALATION_MINUTES", 30, minimum=1)
COMMENTS_PER_PAGE = 20  # top-level comments per page; each comes with all its replies
COMMENTS_DISPLAY_DEPTH = 3  # nesting levels shown; deeper replies show at the last level
COMMENTS_EDIT_MINUTES = 15
COMMENTS_MAX_LENGTH = 5000
COMMENTS_MIN_FILL_SECONDS = 3  # a form sent faster than this was not filled by a person
# Posts and edits a minute and an hour, per IP address and per person.
COMMENTS_RATE_LIMITS = [(5, 60), (30, 3600)]
# A comment form may be sent once, by the person it was shown to, within this time.
COMMENTS_FORM_MAX_SECONDS = 2 * 3600
# Reports per window, per person and per IP address (our capacity: fails open).
COMMENTS_REPORT_RATE_LIMITS = [(5, 600), (20, 86400)]
COMMENTS_HUG_RATE_LIMIT = (30, 60)  # hugs and un-hugs a minute per member (each flushes the page)
COMMENTS_REPLY_MAIL_SECONDS = 3600  # at most one reply mail per thread per person in this time
PICTURE_MAX_BYTES = 10 * 1024 * 1024
# One upload's memory is about twice its decoded bitmap (width x height x 4 bytes) at worst: a
# sideways phone JPEG or a HEIC, measured by bench/pictures.py. 25 MP holds a 24 MP photo (the
# default of current iPhones, 5712 x 4284) and keeps one upload under 200 MiB.
PICTURE_MAX_PIXELS = 25_000_000
PICTURE_DISPLAY_SIZE = 1280
PICTURE_THUMB_SIZE = 320
# Posters' and reporters' IP addresses are kept this many days (for abuse checks), then
# emptied by `manage.py purge_ip_addresses` (a daily timer).
IP_RETENTION_DAYS = env_int("IP_RETENTION_DAYS", 90, minimum=1)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Background work ------------------------------------------------------------------------
# New-article mail: subscribers per task (one SMTP connection each), and how long after going
# live an article is still mailed automatically (older ones only when staff send them by hand).
NEWSLETTER_BATCH_SIZE = env_int("NEWSLETTER_BATCH_SIZE", 200, minimum=1)
NEWSLETTER_MAX_AGE_HOURS = 72

TASKS_BACKEND = env_choice("TASKS_BACKEND", "immediate", {"immediate", "database"})
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend"
        if TASKS_BACKEND == "database"
        else "django_tasks.backends.immediate.ImmediateBackend",
    }
}
# Finished task rows (their arguments, results and tracebacks) are deleted this many hours
# after they finish, by `purge_task_results`. Tasks take row ids only; this keeps even those
# (and any error text) from piling up.
TASK_RESULT_RETENTION_HOURS = env_int("TASK_RESULT_RETENTION_HOURS", 24, minimum=0)

# One JSON line per request on stdout (off under `make run`, where runserver logs requests);
# warnings and errors go to stderr, as JSON too when the request log is on.
REQUEST_LOG = env_bool("REQUEST_LOG", not DEBUG and not TESTING)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "kindred.logs.JsonFormatter"}},
    "filters": {"hide_secrets": {"()": "kindred.logs.HideSecrets"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["hide_secrets"],
            **({"formatter": "json"} if REQUEST_LOG else {}),
        },
        "requests": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "filters": ["hide_secrets"],
            "formatter": "json",
        },
    },
    "loggers": {
        "kindred.request": {"handlers": ["requests"], "level": "INFO", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
}
