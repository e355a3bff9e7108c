"""One view: the bytes Kindred served for the article page, read once at start-up."""

import os
from pathlib import Path

from django.http import HttpResponse

PAGE = Path(os.environ["BENCH_PAGE_FILE"]).read_bytes()


def page(request, slug):
    return HttpResponse(PAGE, content_type="text/html; charset=utf-8")
