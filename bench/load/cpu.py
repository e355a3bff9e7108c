"""CPU time read from /proc: gunicorn's (master and workers), the PostgreSQL backends serving
the bench's database, and the whole machine's. Each figure is CPU seconds, not wall time, so a
request's cost can be compared from one machine (or one busy moment) to another."""

import os
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid):
    """(ppid, utime, stime, cutime, cstime) in ticks, or None when the process is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return int(fields[1]), *(int(n) for n in fields[11:15])


def gunicorn_cpu(master):
    """CPU seconds used so far by gunicorn: the master, its live workers, and the workers it
    has reaped (recycled after max_requests), which the kernel adds to the master's account."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        pid = int(stat.parent.name)
        facts = _stat(pid)
        if facts is None:  # gone meanwhile
            continue
        if pid == master:
            ticks += sum(facts[1:])  # utime stime cutime cstime
        elif facts[0] == master:
            ticks += facts[1] + facts[2]
    return ticks / _TICK


class PostgresCpu:
    """CPU seconds of the PostgreSQL backends connected to one database (the bench's own: the
    server is shared, so other databases' work stays out). A backend that ends between two
    samples keeps the CPU of its last sample; call sample() every second or so."""

    def __init__(self, database):
        import psycopg

        self.database = database
        self.connection = psycopg.connect(
            "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True, connect_timeout=3
        )
        self.start, self.last = {}, {}  # pid -> CPU seconds at its first and last sample

    def sample(self, is_start=False):
        rows = self.connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s "
            "AND backend_type = 'client backend'",
            [self.database],
        ).fetchall()
        for (pid,) in rows:
            facts = _stat(pid)
            if facts is None:
                continue
            seconds = (facts[1] + facts[2]) / _TICK
            self.last[pid] = seconds
            # The backends alive at the start count from what they had used; later ones from 0.
            self.start.setdefault(pid, seconds if is_start else 0.0)

    def used(self):
        return sum(self.last[pid] - self.start[pid] for pid in self.last)

    def close(self):
        self.connection.close()


def machine_busy(before=None):
    """CPU time of the whole machine (all cores) from /proc/stat: (busy, total) jiffies, or the
    busy share since `before`."""
    fields = [int(n) for n in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]
    now = (sum(fields) - idle, sum(fields))
    if before is None:
        return now
    return (now[0] - before[0]) / max(1, now[1] - before[1])
