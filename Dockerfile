# Kindred: one image for the web (gunicorn, the default command), the worker and the scheduler.
# Build: docker build -t kindred . ; run: see compose.yaml and docs/deploy.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --system --user-group --uid 10001 --home-dir /srv/kindred --no-create-home \
        --shell /usr/sbin/nologin kindred

WORKDIR /srv/kindred/app

# Dependencies first, so a code change does not reinstall them. Only the runtime part of
# requirements.txt: the test tools after "# Tests and tooling" stay out of the image.
COPY requirements.txt constraints.txt ./
RUN sed '/^# Tests and tooling/,$d' requirements.txt > /tmp/requirements-runtime.txt \
    && python -m venv /srv/kindred/venv \
    && /srv/kindred/venv/bin/pip install -r /tmp/requirements-runtime.txt -c constraints.txt \
    && rm /tmp/requirements-runtime.txt
ENV PATH=/srv/kindred/venv/bin:$PATH

COPY . .

# Hashed, compressed static files are part of the image. The key only lets settings load;
# nothing is signed at build time.
RUN DEBUG=0 SECRET_KEY=collectstatic-only-not-a-secret python manage.py collectstatic --noinput \
    && mkdir -p /srv/kindred/media \
    && chown kindred:kindred /srv/kindred/media

USER kindred
# No proxy is assumed: a container run on its own must not believe X-Forwarded-For (compose.yaml,
# with nginx in front, sets 1).
ENV BIND=0.0.0.0:8000 \
    MEDIA_ROOT=/srv/kindred/media \
    TRUSTED_PROXY_COUNT=0
EXPOSE 8000
CMD ["gunicorn", "-c", "gunicorn.conf.py"]
