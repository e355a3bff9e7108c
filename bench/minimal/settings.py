"""The smallest Django settings that serve a page: no apps, no middleware, no database."""

import os

SECRET_KEY = os.environ.get("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")
DEBUG = False
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1").split(",")
ROOT_URLCONF = "bench.minimal.urls"
INSTALLED_APPS = []
MIDDLEWARE = []
DATABASES = {}
USE_TZ = True
