"""WSGI entry point of the baseline, for `gunicorn -c gunicorn.conf.py bench.minimal.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

# Forced, not defaulted: the environment carries Kindred's settings for the other server.
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.minimal.settings"
application = get_wsgi_application()
