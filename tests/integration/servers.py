"""The processes the integration tests start: gunicorn, a private Redis, a database cable."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from kindred.ports import free_port
from tests.integration.browser import Browser

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "integration-tests-only-shared-by-every-server-0123456789abcdef"  # noqa: S105


def wait_for(condition, seconds, what):
    """Poll `condition` every 0.2 s; fail the test with `what` if it is not true in time."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"after {seconds} s: {what}")


def database_address():
    from django.db import connection

    db = connection.settings_dict
    return db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)


def servers_database_url(address=None):
    """pytest-django's test database (not the one DATABASE_URL names), at `address` if given."""
    from django.db import connection

    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host, port = address or database_address()
    return f"postgres://{credentials}@{host}:{port}/{quote(db['NAME'], safe='')}"


class AppServer:
    """One gunicorn instance (gunicorn.conf.py), its output kept in files for the assertions."""

    def __init__(self, name, folder, **env):
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "mail").mkdir(exist_ok=True)
        self.stdout_path = folder / f"{name}.stdout"
        self.stderr_path = folder / f"{name}.stderr"
        self.env = {
            **os.environ,
            "DEBUG": "0",
            "SECRET_KEY": SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": self.url,
            "DATABASE_URL": servers_database_url(),
            "EMAIL_URL": f"file://{folder / 'mail'}",
            "TASKS_BACKEND": "immediate",
            "COMMENTS_READ_GATE": "0",
            "REQUEST_LOG": "1",
            "MEDIA_ROOT": str(folder / "media"),
            "BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": "1",
            "GUNICORN_THREADS": "4",
            "GUNICORN_TIMEOUT": "30",
            "GUNICORN_GRACEFUL_TIMEOUT": "5",
            "GUNICORN_MAX_REQUESTS": "0",
            **env,
        }
        self.process = None

    def start(self):
        with open(self.stdout_path, "ab") as out, open(self.stderr_path, "ab") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=err,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"gunicorn {self.name} exited at start-up:\n{self.stderr()[-3000:]}")
            try:
                if Browser().get(self.url + "/healthz").status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        pytest.fail(f"gunicorn {self.name} never answered /healthz:\n{self.stderr()[-3000:]}")

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def stderr(self):
        return self.stderr_path.read_text(errors="replace")

    def log_lines(self, text):
        """Lines of the server's stderr (gunicorn's log and the app's warnings) with `text`."""
        return [line for line in self.stderr().splitlines() if text in line]

    def manage(self, *args):
        """Run a management command with this server's environment, as its cron would."""
        return subprocess.run(  # noqa: S603 - our own manage.py, arguments from the test
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )


def redis_command(port, *words):
    """Send one command to the Redis on `port`; its first reply line."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall((" ".join(words) + "\r\n").encode())
        return sock.recv(4096).decode().split("\r\n")[0]


class RedisServer:
    """A Redis of the test's own, so runs never share keys and the test may stop it."""

    def __init__(self, port=None):
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed (apt-get install redis-server)")
        self.process = subprocess.Popen(  # noqa: S603 - the machine's redis-server
            [binary, "--bind", "127.0.0.1", "--port", str(self.port)]
            + ["--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if redis_command(self.port, "PING") == "+PONG":
                    return self
            except OSError:
                time.sleep(0.05)
        pytest.fail(f"redis-server on port {self.port} did not start")

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()  # a crash, not a tidy shutdown
            self.process.wait()

    def flush(self):
        assert redis_command(self.port, "FLUSHALL") == "+OK"

    def key_count(self):
        return int(redis_command(self.port, "DBSIZE").lstrip(":"))


class TcpProxy:
    """A cable between the app and PostgreSQL that the test can pull out and plug back in."""

    def __init__(self, upstream):
        self.upstream = upstream
        self.port = None
        self._listener = None
        self._accepting = None
        self._lock = threading.Lock()
        self._pipes = []  # (client socket, database socket, pump threads)

    @property
    def is_plugged_in(self):
        return self._accepting is not None and self._accepting.is_set()

    def start(self):
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port or 0))
        listener.listen()
        listener.settimeout(0.05)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._accepting = threading.Event()
        self._accepting.set()
        self._accept_thread = threading.Thread(target=self._accept, daemon=True)
        self._accept_thread.start()
        return self

    def cut(self):
        """Close the listening port and every open connection, as a network outage would."""
        self._accepting.clear()
        self._accept_thread.join()
        self._listener.close()
        with self._lock:
            pipes, self._pipes = self._pipes, []
        for client, database, pumps in pipes:
            for sock in (client, database):
                _shut(sock)
            for pump in pumps:
                pump.join()
            client.close()
            database.close()

    def _accept(self):
        while self._accepting.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            try:
                database = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            database.settimeout(None)
            pumps = [
                threading.Thread(target=_pump, args=(client, database), daemon=True),
                threading.Thread(target=_pump, args=(database, client), daemon=True),
            ]
            with self._lock:
                self._pipes.append((client, database, pumps))
            for pump in pumps:
                pump.start()


def _pump(source, target):
    try:
        while data := source.recv(65536):
            target.sendall(data)
    except OSError:
        pass
    _shut(source)
    _shut(target)


def _shut(sock):
    with contextlib.suppress(OSError):  # already shut by the other direction
        sock.shutdown(socket.SHUT_RDWR)
