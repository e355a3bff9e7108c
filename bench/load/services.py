"""PostgreSQL and Redis (emptied first and last), the environment every process of the run gets,
and the steps run once in a child process (manage.py commands, the read-back inside Django)."""

import os
import subprocess
import time

from bench.load import PYTHON, ROOT, fail

TEMPLATE_WAIT_SECONDS = 600
SECRET_KEY = "bench-only-secret-key-not-for-production-0123456789"  # noqa: S105 - bench only


def run_step(args, env, what):
    """Run a program to its end; its output, or stop the bench with the tail of its errors."""
    result = subprocess.run(  # noqa: S603 - programs and arguments made here
        args, env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if result.returncode:
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-15:])
        fail(f"{what} failed:\n{tail}")
    return result.stdout


def _admin_connection():
    import psycopg

    return psycopg.connect(
        "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True, connect_timeout=3
    )


def _create_database(admin, database, template):
    """CREATE DATABASE, from `template` when given. A template may have no other connection
    while it is copied, and the large set is shared with other benches: wait for a quiet moment
    (a copy of its 1.2 GB takes seconds), up to TEMPLATE_WAIT_SECONDS. The seconds waited."""
    import psycopg

    if not template:
        admin.execute(f'CREATE DATABASE "{database}"')
        return 0.0
    started = time.monotonic()
    deadline = started + TEMPLATE_WAIT_SECONDS
    while True:
        try:
            waited = time.monotonic() - started
            admin.execute(f'CREATE DATABASE "{database}" TEMPLATE "{template}"')
            return waited
        except psycopg.errors.ObjectInUse:
            if time.monotonic() > deadline:
                fail(
                    f"the database {template} stayed in use for {TEMPLATE_WAIT_SECONDS} s: "
                    f"no copy could be made (CREATE DATABASE ... TEMPLATE needs it idle)"
                )
            time.sleep(2)


def _empty_services(database, redis_db, create_from=None):
    """Drop the bench's database (and create it again, empty or from the template `create_from`
    when that is not None); empty its Redis database. The seconds the template kept it waiting."""
    import redis

    waited = 0.0
    with _admin_connection() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        if create_from is not None:
            waited = _create_database(admin, database, create_from)
    redis.Redis(host="127.0.0.1", port=6379, db=redis_db, socket_timeout=3).flushdb()
    return waited


def reset_services(database, redis_db, template=""):
    """A fresh database (a copy of `template` when given) and an empty Redis database; the
    seconds spent waiting for the template to be free."""
    import psycopg
    import redis

    if template and database == template:
        fail(f"the bench would drop {template}: give its copy another name")
    try:
        return _empty_services(database, redis_db, create_from=template)
    except psycopg.OperationalError as error:
        first_line = str(error).strip().splitlines()[0]
        fail(f"PostgreSQL at 127.0.0.1:5432 (user postgres) is not answering: {first_line}")
    except psycopg.errors.InvalidCatalogName:
        fail(f"there is no database {template} to copy (see /work/notes/large-set.md)")
    except redis.RedisError as error:
        fail(f"Redis at 127.0.0.1:6379 is not answering: {error}")


def drop_services(database, redis_db):
    import psycopg
    import redis

    try:
        _empty_services(database, redis_db)
    except (psycopg.Error, redis.RedisError) as error:
        print(f"bench/load: could not empty the bench database or Redis db: {error}")


def environment(workdir, database, redis_db, port):
    env = dict(os.environ)
    # Anything set for a real deployment must not leak into the bench.
    for name in ("BIND", "PORT", "MEDIA_STORAGE", "PAGE_CACHE_SECONDS", "PUBLIC_CACHE_SECONDS"):
        env.pop(name, None)
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "STATIC_ROOT": str(workdir / "static"),
            "DEBUG": "0",
            "SECRET_KEY": SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": f"http://127.0.0.1:{port}",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
            "REDIS_URL": f"redis://127.0.0.1:6379/{redis_db}",
            "TASKS_BACKEND": "immediate",
            "EMAIL_URL": f"file://{workdir / 'mail'}",
            "MEDIA_ROOT": str(workdir / "media"),
            "COMMENTS_READ_GATE": "0",
            "REQUEST_LOG": "0",
        }
    )
    return env


def manage(env, *args, what=None):
    """One manage.py command in a child process, as the deployment runs them; its output."""
    command = [PYTHON, str(ROOT / "manage.py"), *args]
    return run_step(command, env, what or f"manage.py {args[0]}")
