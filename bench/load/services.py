"""PostgreSQL and Redis (emptied first and last), the environment every process of the run gets,
and the steps run once in a child process (manage.py commands, the read-back inside Django)."""

import os
import subprocess

from bench.load import PYTHON, ROOT, fail

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


def _empty_services(options, create_database):
    """Drop (and create again) the bench's database; empty its Redis database."""
    import psycopg
    import redis

    with psycopg.connect(
        "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True, connect_timeout=3
    ) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{options.database}" WITH (FORCE)')
        if create_database:
            admin.execute(f'CREATE DATABASE "{options.database}"')
    redis.Redis(host="127.0.0.1", port=6379, db=options.redis_db, socket_timeout=3).flushdb()


def reset_services(options):
    import psycopg
    import redis

    try:
        _empty_services(options, create_database=True)
    except psycopg.OperationalError as error:
        first_line = str(error).strip().splitlines()[0]
        fail(f"PostgreSQL at 127.0.0.1:5432 (user postgres) is not answering: {first_line}")
    except redis.RedisError as error:
        fail(f"Redis at 127.0.0.1:6379 is not answering: {error}")


def drop_services(options):
    import psycopg
    import redis

    try:
        _empty_services(options, create_database=False)
    except (psycopg.Error, redis.RedisError) as error:
        print(f"bench/load: could not empty the bench database or Redis db: {error}")


def environment(workdir, options, port):
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
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{options.database}",
            "REDIS_URL": f"redis://127.0.0.1:6379/{options.redis_db}",
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
