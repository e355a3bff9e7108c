"""Kindred's own settings, unchanged but for STATIC_ROOT: the bench collects static files into a
temporary folder (config/settings.py fixes STATIC_ROOT to <repo>/staticfiles)."""

import os

from config.settings import *  # noqa: F403

STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
