"""The servers of the run: gunicorn (Kindred's and the minimal baseline), nginx with the deployed
site, the tools they need, and the processes that are stopped on the way out (also on Ctrl-C)."""

import http.client
import os
import re
import shutil
import signal
import ssl
import subprocess
import time

from bench.load import PYTHON, ROOT, fail
from bench.load.services import run_step
from kindred.ports import free_port


class Processes:
    """Every process the bench starts, stopped on the way out (also on Ctrl-C or failure)."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.running = []

    def start(self, name, args, env, stop_signal=signal.SIGTERM):
        log_path = self.workdir / f"{name}.log"
        with open(log_path, "wb") as log:
            process = subprocess.Popen(  # noqa: S603 - programs and arguments made here
                args,
                env=env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group: Ctrl-C reaches the bench, which stops it
            )
        process.bench_name, process.log_path, process.stop_signal = name, log_path, stop_signal
        self.running.append(process)
        return process

    def stop(self, process):
        if process.poll() is None:
            process.send_signal(process.stop_signal)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # the group it was started in
                process.wait(timeout=5)
        if process in self.running:
            self.running.remove(process)

    def stop_all(self):
        for process in reversed(list(self.running)):
            self.stop(process)

    def log_tail(self, process, lines=15):
        text = process.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])


def tool(name):
    """Where `name` is installed (Debian keeps nginx in /usr/sbin), or None."""
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")


def check_tools():
    missing = [name for name in ("nginx", "wrk", "openssl") if not tool(name)]
    if missing:
        fail(
            f"needs {', '.join(missing)}: run `make bench-deps` as root "
            f"(apt-get install {' '.join(missing)})"
        )


def gunicorn_args(app=None):
    args = [PYTHON, "-m", "gunicorn"]
    if (ROOT / "gunicorn.conf.py").exists():
        args += ["-c", str(ROOT / "gunicorn.conf.py")]
    else:  # what gunicorn.conf.py would say: gthread workers, 2 x CPUs + 1, 4 threads each
        workers = 2 * len(os.sched_getaffinity(0)) + 1
        args += ["-k", "gthread", "-w", str(workers), "--threads", "4"]
    return args + [app or "config.wsgi:application"]


def gunicorn_shape(env):
    """Workers, threads and recycling as gunicorn.conf.py computes them, for the printout."""
    if not (ROOT / "gunicorn.conf.py").exists():
        return f"{2 * len(os.sched_getaffinity(0)) + 1} gthread workers x 4 threads (flags)"
    code = (
        "import runpy; c = runpy.run_path('gunicorn.conf.py'); "
        "print(c['workers'], c['threads'], c.get('max_requests', 0))"
    )
    workers, threads, recycle = run_step([PYTHON, "-c", code], env, "gunicorn.conf.py").split()
    return f"{workers} workers x {threads} threads, max_requests {recycle}, from gunicorn.conf.py"


def start_minimal(processes, env, page_file, path):
    """The minimal Django view (bench/minimal) serving `page_file` at `path`, from gunicorn with
    the same gunicorn.conf.py as Kindred's: (process, port)."""
    port = free_port()
    minimal_env = {**env, "BIND": f"127.0.0.1:{port}", "BENCH_PAGE_FILE": str(page_file)}
    minimal = processes.start(
        "gunicorn-minimal", gunicorn_args("bench.minimal.wsgi:application"), minimal_env,
        signal.SIGQUIT,
    )  # fmt: skip
    wait_until_serving(processes, minimal, port, path)
    if get(port, path)[2] != page_file.read_bytes():
        fail("the minimal view serves other bytes than the page it was given")
    return minimal, port


def get(port, path, headers=None, tls=False, timeout=30):
    """One blocking request: (status, headers, body)."""
    if tls:
        context = ssl._create_unverified_context()  # noqa: S323 - our own self-signed cert
        connection = http.client.HTTPSConnection(
            "127.0.0.1", port, timeout=timeout, context=context
        )
    else:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def wait_until_serving(processes, process, port, path, tls=False):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            fail(f"{process.bench_name} stopped at start-up:\n{processes.log_tail(process)}")
        try:
            status, _, _ = get(port, path, tls=tls, timeout=5)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    fail(f"{process.bench_name} did not answer {path} within 60 s:\n{processes.log_tail(process)}")


def nginx_site(workdir, upstream_port, https_port, http_port, static_root):
    """deploy/nginx/kindred.conf with this machine's ports and paths, plus the static twin."""
    site = (ROOT / "deploy/nginx/kindred.conf").read_text()
    media, acme = workdir / "media", workdir / "nginx/acme"

    def upstream(match):  # the first server line points at our gunicorn; others go
        lines, kept = [], False
        for line in match.group(0).split("\n"):
            if re.match(r"\s*server\s", line):
                if kept:
                    continue
                line, kept = (
                    re.sub(r"(server\s+)\S+", rf"\g<1>127.0.0.1:{upstream_port}", line),
                    True,
                )
            lines.append(line)
        return "\n".join(lines)

    required = [
        (r"upstream kindred_app \{.*?\n\}", upstream),
        (r"(proxy_cache_path\s+)\S+", rf"\g<1>{workdir / 'nginx/cache'}"),
        (r"(ssl_certificate\s+)[^;]+", rf"\g<1>{workdir / 'tls/fullchain.pem'}"),
        (r"(ssl_certificate_key\s+)[^;]+", rf"\g<1>{workdir / 'tls/privkey.pem'}"),
        (r"(location\s+/static/\s*\{[^}]*?alias\s+)[^;]+", rf"\g<1>{static_root}/"),
        # The same page as a plain file, in the same server block (TLS, gzip, headers).
        (
            r"(\n(\s*)listen\s+443\b[^;]*;)",
            rf"\1\n\2location = /bench-page.html {{ root {workdir / 'nginx/www'}; }}",
        ),
        (r"(listen\s+)443\b", rf"\g<1>127.0.0.1:{https_port}"),
    ]
    optional = [
        (r"\n\s*listen\s+\[::\][^\n]*", ""),
        (r"(listen\s+)80\b", rf"\g<1>127.0.0.1:{http_port}"),
        (r"(location\s+/media/\s*\{[^}]*?alias\s+)[^;]+", rf"\g<1>{media}/"),
        (r"(location\s+/\.well-known/acme-challenge/\s*\{[^}]*?root\s+)[^;]+", rf"\g<1>{acme}"),
    ]
    for pattern, replacement in required + optional:
        once = "bench-page" in str(replacement)
        site, count = re.subn(pattern, replacement, site, count=int(once), flags=re.DOTALL)
        if not count and (pattern, replacement) in required:
            fail(f"deploy/nginx/kindred.conf has no match for {pattern!r}: update nginx_site()")
    (workdir / "nginx/site.conf").write_text(site)
    nginx_dir = workdir / "nginx"
    temp_paths = "\n".join(
        f"    {kind}_temp_path {nginx_dir / 'tmp' / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # Debian's nginx.conf defaults, with every path inside the bench's folder.
    (nginx_dir / "nginx.conf").write_text(
        f"""daemon off;
worker_processes auto;
pid {nginx_dir / "nginx.pid"};
error_log {nginx_dir / "error.log"};
events {{ worker_connections 768; }}
http {{
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {nginx_dir / "access.log"};
{temp_paths}
    include {nginx_dir / "site.conf"};
}}
"""
    )
    return nginx_dir / "nginx.conf"


def make_certificate(workdir):
    (workdir / "tls").mkdir()
    run_step(
        [
            tool("openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=localhost", "-keyout", str(workdir / "tls/privkey.pem"),
            "-out", str(workdir / "tls/fullchain.pem"),
        ],
        None,
        "openssl (self-signed certificate)",
    )  # fmt: skip


def nginx_version(nginx):
    out = subprocess.run([nginx, "-v"], capture_output=True, text=True, check=False).stderr  # noqa: S603
    return out.strip().rpartition("/")[2]
