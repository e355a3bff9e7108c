"""Gunicorn settings, read from the environment (see docs/deploy.md).

Run with `gunicorn -c gunicorn.conf.py`. A bad value stops start-up with one line naming the
variable, the same way the app's own settings do.
"""

import os
import sys


def _fail(name, problem):
    # SystemExit, not an exception: gunicorn would print a traceback for anything else.
    sys.exit(f"Configuration error: {name} {problem}")


def _env_int(name, default, minimum):
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < minimum:
        _fail(name, f"must be a whole number >= {minimum} (got {raw!r})")
    return value


def _bind():
    """BIND wins; else PORT (as platforms set it) on every interface; else localhost only."""
    raw = os.environ.get("BIND", "").strip()
    if raw:
        addresses = [item for item in raw.replace(",", " ").split() if item]
        for address in addresses:
            if not address.startswith(("unix:", "fd://")) and ":" not in address:
                _fail("BIND", f"must be host:port or unix:/path, comma-separated (got {raw!r})")
        return addresses
    if os.environ.get("PORT", "").strip():
        port = _env_int("PORT", 8000, minimum=1)
        if port > 65535:
            _fail("PORT", f"must be a port number, 1 to 65535 (got {port})")
        return [f"0.0.0.0:{port}"]
    return ["127.0.0.1:8000"]


def _cpu_count():
    # The CPUs this process may use (a container or systemd's CPUAffinity may allow fewer).
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


wsgi_app = "config.wsgi:application"
proc_name = "kindred"
bind = _bind()

# Threads let one worker wait on the database or mail without holding up the others.
worker_class = "gthread"
workers = _env_int("GUNICORN_WORKERS", 2 * _cpu_count() + 1, minimum=1)
threads = _env_int("GUNICORN_THREADS", 4, minimum=1)

timeout = _env_int("GUNICORN_TIMEOUT", 30, minimum=1)
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 30, minimum=1)
keepalive = _env_int("GUNICORN_KEEPALIVE", 5, minimum=0)

# Restart each worker after about this many requests (0: never), so slow leaks stay small; the
# jitter keeps workers from restarting all at once. A restart costs a few hundred milliseconds of
# a cold worker, so keep it rare: at 1,000 a busy server restarted a worker every few seconds.
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 50_000, minimum=0)
max_requests_jitter = max_requests // 10

# The app logs one JSON line per request to stdout, so gunicorn's access log would only repeat it.
accesslog = None
errorlog = "-"
loglevel = "info"

# The heartbeat file is touched constantly; keep it off disk where memory-backed /dev/shm exists.
_SHM = "/dev/shm"  # noqa: S108 (gunicorn makes private files there itself, with mkstemp)
if os.path.isdir(_SHM):
    worker_tmp_dir = _SHM

# No control socket: systemd and Docker send signals (HUP reloads, TERM stops gracefully), and
# with ProtectSystem=strict there is no writable place for the socket anyway.
control_socket_disable = True
