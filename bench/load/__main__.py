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
from bench.load import fail
from bench.load.datasets import LARGE_TEMPLATE, database_of, django_step, prepare
from bench.load.ratios import measure_ratios
from bench.load.report import (
    Summary,
    report_baseline,
    report_comparison,
    report_ledger,
    report_load,
)
from bench.load.scenario import BaselineRun, LoadRun
from bench.load.servers import (
    Processes,
    check_tools,
    get,
    gunicorn_args,
    gunicorn_shape,
    start_minimal,
    wait_until_serving,
)
from bench.load.services import drop_services, environment
from kindred.ports import free_port

P95_TARGET_MS = 250


def main():
    parser = argparse.ArgumentParser(description=bench.load.__doc__.splitlines()[0])
    parser.add_argument(
        "--data", nargs="+", choices=("demo", "large"), default=["demo"],
        help="the data sets, each in turn (demo; `--data demo large` also prints large/demo)",
    )  # fmt: skip
    parser.add_argument("--seconds", type=int, default=60, help="length of the load (60)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (50)")
    parser.add_argument(
        "--baseline-seconds", type=int, default=15,
        help="each of the minimal view's two rounds, before and after the load (15)",
    )  # fmt: skip
    parser.add_argument("--ratio-seconds", type=int, default=8, help="each wrk round (8)")
    parser.add_argument("--rounds", type=int, default=5, help="wrk rounds per ratio (5)")
    parser.add_argument("--wrk-connections", type=int, default=50)
    parser.add_argument("--member-share", type=float, default=0.1, help="member reads (0.1)")
    parser.add_argument(
        "--post-every", type=int, default=40,
        help="each member posts after about this many of its reads (40: ~20 s on 2 shared cores)",
    )  # fmt: skip
    parser.add_argument(
        "--post-interval", type=float, default=None,
        help="seconds between a member's posts instead (the mix then depends on the machine)",
    )  # fmt: skip
    parser.add_argument("--timeout", type=float, default=10.0, help="per request (10 s)")
    parser.add_argument("--database", default="kindred_bench", help="the demo set's")
    parser.add_argument(
        "--large-database", default="kindred_load_large", help="the large set's copy"
    )
    parser.add_argument(
        "--large-template", default=LARGE_TEMPLATE, help="the large set, copied, never changed"
    )
    parser.add_argument("--redis-db", type=int, default=14)
    parser.add_argument("--skip-ratios", action="store_true", help="only the load")
    parser.add_argument("--skip-load", action="store_true", help="only the two ratios")
    options = parser.parse_args()
    if not 1 <= options.clients <= 253:
        fail("--clients must be 1 to 253 (one 127.0.0.N address each)")
    if options.post_every < 1:
        fail("--post-every must be at least 1")
    if options.large_database == options.large_template:
        fail("--large-database must differ from --large-template: the copy is dropped after")
    options.data = list(dict.fromkeys(options.data))

    if not options.skip_ratios:
        check_tools()

    def stop(signum, frame):
        raise SystemExit(f"bench/load: stopped by signal {signum}")

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, stop)
    # Ctrl-C stops the bench and its servers, even when started from a shell that ignores it.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    summary, results = Summary(), {}
    try:
        for data in options.data:
            result = run_data_set(data, options, summary)
            if result:
                results[data] = result
    except KeyboardInterrupt:
        summary.problems.append("interrupted")
    summary.data = ""
    if results:
        scale = report_comparison(results)
        for data, result in results.items():
            summary.figures.append(f"{data}: CPU per request {result['ratio']:.1f} x minimal")
        if scale is not None:
            summary.figures.append(f"large/demo {scale:.2f}")
    print(f"\nSummary: {', '.join(summary.figures)}")
    if summary.problems:  # wrong answers fail the run; slow ones are reported above
        sys.exit(f"bench/load: {'; '.join(summary.problems)}")


def run_data_set(data, options, summary):
    """One data set from a fresh database to its dropped copy; its figures, or None."""
    workdir = Path(tempfile.mkdtemp(prefix=f"kindred-load-bench-{data}-"))
    workdir.chmod(0o755)  # nginx's workers read the page and static files as another user
    processes = Processes(workdir)
    database = database_of(data, options)
    try:
        return run(data, database, workdir, processes, options, summary)
    finally:
        processes.stop_all()
        drop_services(database, options.redis_db)
        shutil.rmtree(workdir, ignore_errors=True)


def run(data, database, workdir, processes, options, summary):
    port = free_port()
    env = environment(workdir, database, options.redis_db, port)
    started = time.monotonic()
    (workdir / "mail").mkdir()
    print(f"\n=== The {data} set ===")
    summary.data = f"{data}: "
    thread = prepare(data, env, options)
    shape = gunicorn_shape({**env, "BIND": f"127.0.0.1:{port}"})
    kindred = processes.start(
        "gunicorn-kindred", gunicorn_args(), {**env, "BIND": f"127.0.0.1:{port}"}, signal.SIGQUIT
    )
    wait_until_serving(processes, kindred, port, "/healthz")
    print(
        f"Set-up in {time.monotonic() - started:.0f} s: {thread.made}; {thread.path} has "
        f"{thread.published} published comments; Redis db {options.redis_db}; gunicorn {shape}, "
        "DEBUG=0"
    )
    if not options.skip_ratios:
        measure_ratios(workdir, processes, options, env, port, summary, thread)
    if options.skip_load:
        return None

    # The minimal view serves the busy article's page as an anonymous reader gets it.
    get(port, thread.path)
    page_file = workdir / "minimal-page.html"
    page_file.write_bytes(get(port, thread.path)[2])
    minimal, minimal_port = start_minimal(processes, env, page_file, thread.path)
    rounds = [("before the load", _baseline(minimal_port, thread.path, options, minimal.pid))]

    load = LoadRun(port, thread, options, kindred.pid, database)
    asyncio.run(load.run())
    errors, result = report_load(load, options, shape, data)
    ledger = {
        "slug": thread.slug,
        "last_seeded": thread.last_comment,
        "accepted": load.accepted,
        "refused": load.refused,
        "unconfirmed": load.unconfirmed,
    }
    (workdir / "ledger.json").write_text(json.dumps(ledger))
    lost = report_ledger(json.loads(django_step(env, "stored-posts", str(workdir / "ledger.json"))))
    if kindred.poll() is not None:
        summary.problem("gunicorn stopped during the load")
    processes.stop(kindred)  # the minimal view's second round has the machine to itself
    rounds.append(("after the load", _baseline(minimal_port, thread.path, options, minimal.pid)))
    baseline_errors, minimal_ms = report_baseline(
        rounds, options, thread.path, result["gunicorn_ms"]
    )
    processes.stop(minimal)
    if errors:
        summary.problem(f"{errors} errors under load")
    if baseline_errors:
        summary.problem(f"{baseline_errors} errors from the minimal view")
    if lost:
        summary.problem(f"{lost} accepted posts missing from the database")
    if not load.accepted:
        summary.problem("no post was accepted, so the ledger proved nothing")
    summary.target("load errors", errors, not errors, "target 0")
    summary.target("lost", lost, not lost, "target 0")
    p95 = result["p95"]
    summary.target("p95", f"{p95:.0f} ms", p95 < P95_TARGET_MS, f"target < {P95_TARGET_MS} ms")
    return {**result, "minimal_ms": minimal_ms, "ratio": result["gunicorn_ms"] / minimal_ms}


def _baseline(port, path, options, pid):
    run = BaselineRun(port, path, options, pid, options.baseline_seconds)
    asyncio.run(run.run())
    return run


if __name__ == "__main__":
    main()
