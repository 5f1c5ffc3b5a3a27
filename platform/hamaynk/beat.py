"""`hamaynk beat`: the one scheduler of periodic tasks (CELERY_BEAT_SCHEDULE).

Beat never runs inside a worker: a worker killed with SIGKILL would leave its embedded scheduler
behind and the restarted worker would start another, so every periodic task would be sent twice.
There is one `hamaynk beat` per database, enforced by a PostgreSQL advisory lock held on a
connection of its own for the life of the process: a second one, on this machine or another,
says who holds the lock and exits with status 1.

If that connection breaks (the database restarted), the lock is gone with it. Beat then takes it
again as soon as the database answers; if another beat took it first, this one stops. Two
schedulers overlap at most for one check (BEAT_LOCK_CHECK_SECONDS) in that case.
"""

import _thread
import argparse
import hashlib
import os
import sys
import threading
import time

import structlog

log = structlog.get_logger(__name__)

# One lock per database: the first eight bytes of a hash of a fixed name, as a signed bigint.
LOCK_KEY = int.from_bytes(hashlib.sha256(b"hamaynk beat").digest()[:8], "big", signed=True)


class AlreadyRunning(RuntimeError):
    pass


class BeatLock:
    """The advisory lock on a connection that only this object uses (not Django's, which is
    closed and reopened at will)."""

    def __init__(self):
        self.connection = None
        self.lost = threading.Event()

    def _connect(self):
        import psycopg
        from django.db import connection as django_connection

        params = django_connection.get_connection_params()
        params["autocommit"] = True
        return psycopg.connect(**params)

    def acquire(self):
        conn = self._connect()
        held = conn.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY]).fetchone()[0]
        if not held:
            holder = conn.execute(
                "SELECT a.pid, a.client_addr, a.application_name, a.backend_start FROM pg_locks l "
                "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
                "AND l.objid = (%s::bigint & 4294967295)::oid AND l.database = "
                "(SELECT oid FROM pg_database WHERE datname = current_database())",
                [LOCK_KEY],
            ).fetchone()
            conn.close()
            where = (
                f"database backend {holder[0]} ({holder[2] or 'no name'}, from {holder[1] or 'a local socket'}, "
                f"since {holder[3]:%Y-%m-%d %H:%M:%S})"
                if holder
                else "another process"
            )
            raise AlreadyRunning(where)
        self.connection = conn
        return self

    def still_held(self):
        try:
            self.connection.execute("SELECT 1")
            return True
        except Exception:
            return False

    def watch(self, every, on_lost):
        """Checks the connection every `every` seconds; when it broke, takes the lock again, or
        calls `on_lost` when another process has it."""

        def loop():
            while True:
                time.sleep(every)
                if self.still_held():
                    continue
                log.warning("beat.lock_connection_lost")
                while True:
                    try:
                        self.acquire()
                        log.warning("beat.lock_taken_again")
                        break
                    except AlreadyRunning as exc:
                        log.error("beat.lock_taken_by_another", holder=str(exc))
                        self.lost.set()
                        on_lost()
                        return
                    except Exception as exc:  # the database is still away
                        log.warning("beat.lock_waiting_for_database", error=str(exc))
                        time.sleep(every)

        threading.Thread(target=loop, name="beat-lock", daemon=True).start()


def main(argv):
    parser = argparse.ArgumentParser(prog="hamaynk beat", description=__doc__)
    parser.add_argument("--loglevel", default=os.environ.get("LOG_LEVEL", "INFO"))
    args = parser.parse_args(argv)
    import django

    django.setup()
    from celery.apps.beat import Beat
    from django.conf import settings

    from hamaynk.celery import app

    try:
        lock = BeatLock().acquire()
    except AlreadyRunning as exc:
        print(f"hamaynk beat is already running ({exc}); only one may run per database.", file=sys.stderr)
        return 1
    lock.watch(settings.BEAT_LOCK_CHECK_SECONDS, on_lost=_thread.interrupt_main)
    # The schedule file lives in the data folder, which an installed wheel may not have made yet.
    os.makedirs(os.path.dirname(settings.CELERY_BEAT_SCHEDULE_FILENAME), exist_ok=True)
    try:
        Beat(app=app, loglevel=args.loglevel, schedule=settings.CELERY_BEAT_SCHEDULE_FILENAME, quiet=True).run()
    except KeyboardInterrupt:
        pass
    return 1 if lock.lost.is_set() else 0
