"""The two speed ratios, each measured with wrk in alternating rounds: the page cache against a
minimal Django view (straight to gunicorn), and nginx's micro-cache against nginx serving a file."""

import re
import subprocess

from bench.load import fail
from bench.load.servers import (
    get,
    make_certificate,
    nginx_site,
    nginx_version,
    start_minimal,
    tool,
    wait_until_serving,
)
from bench.load.services import run_step
from kindred.ports import free_port

# The page cache against a minimal Django view; nginx's micro-cache against nginx's static file.
GUNICORN_TARGET, NGINX_TARGET = 0.5, 0.9

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text):
    if text is None:
        return float("nan")
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def wrk(url, options, seconds=None):
    seconds = seconds or options.ratio_seconds
    args = [tool("wrk"), "-t", "2", "-c", str(options.wrk_connections)]
    args += ["-d", f"{seconds}s", "--latency", url]
    out = subprocess.run(  # noqa: S603 - wrk with arguments made here
        args, capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.MULTILINE))
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rate": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        # wrk leaves a percentile out now and then (seen once for a 2 s warm-up round)
        "p50": _ms(percentiles.get("50")),
        "p99": _ms(percentiles.get("99")),
        "errors": errors + (int(bad.group(1)) if bad else 0),
    }


def compare(title, ours, baseline, options, target):
    """Alternate the two, a few rounds each, so a noisy neighbour hits both alike."""
    for _, url in (ours, baseline):  # warm both up (workers, connections), not counted
        wrk(url, options, seconds=2)
    rounds = []
    for _ in range(options.rounds):
        rounds.append((wrk(ours[1], options), wrk(baseline[1], options)))
    ratios = sorted(a["rate"] / b["rate"] for a, b in rounds)
    ratio = ratios[len(ratios) // 2]
    print(f"\n{title}")
    print(
        f"  wrk -t2 -c{options.wrk_connections}, {options.rounds} alternating rounds of "
        f"{options.ratio_seconds} s each after 2 s of warm-up; median round shown"
    )
    print(f"  {'':66} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6}")
    for label, index in ((ours[0], 0), (baseline[0], 1)):
        runs = sorted((r[index] for r in rounds), key=lambda r: r["rate"])
        middle = runs[len(runs) // 2]
        errors = sum(r["errors"] for r in runs)
        print(
            f"  {label:66} {middle['rate']:7.0f} {middle['p50']:7.1f} {middle['p99']:7.1f} "
            f"{errors:6d}"
        )
    verdict = "ok" if ratio >= target else "BELOW TARGET"
    print(
        f"  ratio: {ratio:.2f}  (rounds: {', '.join(f'{r:.2f}' for r in ratios)}; "
        f"target >= {target}: {verdict})"
    )
    return ratio, sum(a["errors"] + b["errors"] for a, b in rounds)


def measure_ratios(workdir, processes, options, env, port, summary, thread):
    """Both ratios, with the checks that the caches really answered; targets into `summary`."""
    article = thread.path
    # The page as an anonymous reader gets it: rendered once, then from the page cache.
    get(port, article)
    status, headers, page = get(port, article)
    if status != 200 or headers.get("X-Page-Cache") != "hit":
        fail(f"the article page did not come from the page cache (X-Page-Cache: "
             f"{headers.get('X-Page-Cache')}, status {status})")  # fmt: skip
    page_file = workdir / "nginx/www/bench-page.html"
    page_file.parent.mkdir(parents=True)
    page_file.write_bytes(page)
    for folder in (workdir / "nginx", page_file.parent):
        folder.chmod(0o755)
    page_file.chmod(0o644)

    minimal, minimal_port = start_minimal(processes, env, page_file, article)
    ratio, errors = compare(
        f"Article page, {len(page) // 1024} KB with {thread.published} comments, anonymous, "
        "straight from gunicorn (same gunicorn.conf.py)",
        ("Kindred, from its page cache in Redis (X-Page-Cache: hit)", f"http://127.0.0.1:{port}{article}"),
        ("minimal Django view, same bytes, no middleware (bench/minimal)",
         f"http://127.0.0.1:{minimal_port}{article}"),
        options,
        GUNICORN_TARGET,
    )  # fmt: skip
    if errors:
        summary.problem(f"{errors} errors from wrk during the gunicorn ratio")
    if get(port, article)[1].get("X-Page-Cache") != "hit":
        summary.problem("the page cache stopped answering during the gunicorn ratio")
    processes.stop(minimal)
    summary.target(
        "gunicorn ratio", f"{ratio:.2f}", ratio >= GUNICORN_TARGET, f"target >= {GUNICORN_TARGET}"
    )

    # The page as it reads now ("5 minutes ago" turns to 6: the page cache keeps a copy only
    # until its times change), so nginx's static file is the same bytes as the micro-cache's.
    page = get(port, article)[2]
    page_file.write_bytes(page)
    make_certificate(workdir)
    https_port, http_port = free_port(), free_port()
    config = nginx_site(workdir, port, https_port, http_port, env["STATIC_ROOT"])
    for folder in ("tmp", "cache", "acme"):
        (workdir / "nginx" / folder).mkdir(exist_ok=True)
    nginx = tool("nginx")
    run_step([nginx, "-t", "-q", "-e", str(workdir / "nginx/error.log"), "-c", str(config)], None,
         "nginx -t (deploy/nginx/kindred.conf)")  # fmt: skip
    server = processes.start(
        "nginx", [nginx, "-e", str(workdir / "nginx/error.log"), "-c", str(config)], None
    )
    wait_until_serving(processes, server, https_port, "/bench-page.html", tls=True)
    get(https_port, article, tls=True)
    status, headers, through = get(https_port, article, tls=True)
    # The same page, though a minute may have turned since (a time or two differs by a digit).
    if headers.get("X-Cache-Status") != "HIT" or abs(len(through) - len(page)) > 64:
        fail(f"nginx did not keep the page in its micro-cache (X-Cache-Status: "
             f"{headers.get('X-Cache-Status')}, status {status})")  # fmt: skip
    ratio, errors = compare(
        "The same page through nginx over HTTPS (deploy/nginx/kindred.conf, ports and paths "
        f"adapted; nginx {nginx_version(nginx)})",
        ("Kindred through nginx, from its micro-cache (X-Cache-Status: HIT)",
         f"https://127.0.0.1:{https_port}{article}"),
        ("nginx serving the same bytes as a static file, same server block",
         f"https://127.0.0.1:{https_port}/bench-page.html"),
        options,
        NGINX_TARGET,
    )  # fmt: skip
    if errors:
        summary.problem(f"{errors} errors from wrk during the nginx ratio")
    # The app allows PUBLIC_CACHE_SECONDS; nginx refreshes the copy in the background.
    cached = {"HIT", "STALE", "UPDATING", "REVALIDATED"}
    if get(https_port, article, tls=True)[1].get("X-Cache-Status") not in cached:
        summary.problem("the nginx micro-cache stopped answering during the nginx ratio")
    processes.stop(server)
    verdict = ratio >= NGINX_TARGET
    summary.target("nginx ratio", f"{ratio:.2f}", verdict, f"target >= {NGINX_TARGET}")
