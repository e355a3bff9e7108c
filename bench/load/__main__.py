"""The whole run: `python -m bench.load` (what `make bench` runs). See bench/load/__init__.py."""

import argparse
import asyncio
import json
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

import bench.load
from bench.load import ARTICLE, PYTHON, SEEDED_COMMENTS, SLUG, fail
from bench.load.ratios import measure_ratios
from bench.load.report import Summary, report_ledger, report_load
from bench.load.scenario import LoadRun
from bench.load.servers import (
    Processes,
    check_tools,
    gunicorn_args,
    gunicorn_shape,
    wait_until_serving,
)
from bench.load.services import drop_services, environment, manage, reset_services, run_step
from kindred.ports import free_port

P95_TARGET_MS = 250


def main():
    parser = argparse.ArgumentParser(description=bench.load.__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60, help="length of the load (60)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (50)")
    parser.add_argument("--ratio-seconds", type=int, default=8, help="each wrk round (8)")
    parser.add_argument("--rounds", type=int, default=5, help="wrk rounds per ratio (5)")
    parser.add_argument("--wrk-connections", type=int, default=50)
    parser.add_argument("--member-share", type=float, default=0.1, help="member reads (0.1)")
    parser.add_argument("--post-interval", type=float, default=20.0, help="seconds (20)")
    parser.add_argument("--timeout", type=float, default=10.0, help="per request (10 s)")
    parser.add_argument("--database", default="kindred_bench")
    parser.add_argument("--redis-db", type=int, default=14)
    parser.add_argument("--skip-ratios", action="store_true", help="only the load")
    parser.add_argument("--skip-load", action="store_true", help="only the two ratios")
    options = parser.parse_args()
    if not 1 <= options.clients <= 253:
        fail("--clients must be 1 to 253 (one 127.0.0.N address each)")

    check_tools()
    workdir = Path(tempfile.mkdtemp(prefix="kindred-load-bench-"))
    workdir.chmod(0o755)  # nginx's workers read the page and static files as another user
    processes = Processes(workdir)

    def stop(signum, frame):
        raise SystemExit(f"bench/load: stopped by signal {signum}")

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, stop)
    # Ctrl-C stops the bench and its servers, even when started from a shell that ignores it.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    summary = Summary()
    try:
        run(workdir, processes, options, summary)
    except KeyboardInterrupt:
        summary.problems.append("interrupted")
    finally:
        processes.stop_all()
        drop_services(options)
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"\nSummary: {', '.join(summary.figures)}")
    if summary.problems:  # wrong answers fail the run; slow ones are reported above
        sys.exit(f"bench/load: {'; '.join(summary.problems)}")


def run(workdir, processes, options, summary):
    port = free_port()
    env = environment(workdir, options, port)
    started = time.monotonic()
    reset_services(options)
    (workdir / "mail").mkdir()
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "collectstatic", "--noinput", "-v", "0")
    manage(env, "load_demo", "-v", "0")
    members = max(50, options.clients)
    made = manage(
        env, "make_busy_thread", SLUG, "--members", str(members),
        "--comments", str(SEEDED_COMMENTS), "--json",
    )  # fmt: skip
    busy_thread = json.loads(made)
    other_articles = json.loads(_django_step(env, "other-articles"))
    shape = gunicorn_shape({**env, "BIND": f"127.0.0.1:{port}"})
    kindred = processes.start(
        "gunicorn-kindred", gunicorn_args(), {**env, "BIND": f"127.0.0.1:{port}"}, signal.SIGQUIT
    )
    wait_until_serving(processes, kindred, port, "/healthz")
    print(
        f"Set-up in {time.monotonic() - started:.0f} s: database {options.database} "
        f"(migrate, load_demo), {SEEDED_COMMENTS} comments on {ARTICLE}, {members} members with "
        f"sessions, Redis db {options.redis_db}; gunicorn {shape}, DEBUG=0"
    )
    if not options.skip_ratios:
        measure_ratios(workdir, processes, options, env, port, summary)
    if options.skip_load:
        return
    load = LoadRun(port, busy_thread, other_articles, options, kindred.pid)
    asyncio.run(load.run())
    errors, p95 = report_load(load, options, shape)
    ledger = {
        "last_seeded": busy_thread["last_comment"],
        "accepted": load.accepted,
        "refused": load.refused,
        "unconfirmed": load.unconfirmed,
    }
    (workdir / "ledger.json").write_text(json.dumps(ledger))
    lost = report_ledger(
        json.loads(_django_step(env, "stored-posts", str(workdir / "ledger.json")))
    )
    if kindred.poll() is not None:
        summary.problems.append("gunicorn stopped during the load")
    if errors:
        summary.problems.append(f"{errors} errors under load")
    if lost:
        summary.problems.append(f"{lost} accepted posts missing from the database")
    summary.target("load errors", errors, not errors, "target 0")
    summary.target("lost", lost, not lost, "target 0")
    summary.target("p95", f"{p95:.0f} ms", p95 < P95_TARGET_MS, f"target < {P95_TARGET_MS} ms")


def _django_step(env, *args):
    """A read of the database, inside Django in a child process (bench/load/django_steps.py)."""
    return run_step([PYTHON, "-m", "bench.load.django_steps", *args], env, f"reading {args[0]}")


if __name__ == "__main__":
    main()
