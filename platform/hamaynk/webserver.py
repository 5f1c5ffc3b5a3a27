"""`hamaynk web`: the web server, gunicorn with threaded workers, the same on a laptop and in
production (`hamaynk run` starts it through this module too).

The pool is fixed: WEB_PROCESSES processes × WEB_THREADS threads. A thread serves one request at
a time and Django keeps at most one database connection per thread, so the web server never
holds more than processes × threads connections to PostgreSQL, however many clients connect;
clients beyond the pool wait in the listening socket's queue, idle keep-alive connections wait
in each process's poller without a thread. See docs/running.md for sizing it to the database.
"""

import argparse

from gunicorn.app.base import BaseApplication


def options(bind=None, processes=None, threads=None):
    """gunicorn's settings, from Django's settings (WEB_*) unless given."""
    from django.conf import settings

    return {
        "bind": [bind or settings.WEB_BIND],
        "workers": processes or settings.WEB_PROCESSES,
        "threads": threads or settings.WEB_THREADS,
        "worker_class": "gthread",
        "timeout": settings.WEB_TIMEOUT,
        "graceful_timeout": settings.WEB_GRACEFUL_TIMEOUT,
        "keepalive": settings.WEB_KEEPALIVE,
        "accesslog": "-" if settings.WEB_ACCESS_LOG else None,
        "errorlog": "-",
        "loglevel": settings.LOG_LEVEL.lower(),
        "proc_name": "hamaynk-web",
        # gunicorn's control socket sits in the user's home folder; two servers would share it.
        "control_socket_disable": True,
        "post_fork": _post_fork,
        # Request metrics of every process, added up by whichever process answers /metrics.
        "on_starting": _clear_metrics,
        "child_exit": _metrics_of_dead_process,
    }


def _metrics_folder():
    """PROMETHEUS_MULTIPROC_DIR, or a fresh folder of this server's when the operator set none.
    Set before Django (and prometheus_client) is imported, so every process writes there."""
    import os
    import tempfile

    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="hamaynk-metrics-")
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)


def _clear_metrics(server):
    """Counters left by an earlier server in the same folder would be counted again."""
    import glob
    import os

    for leftover in glob.glob(os.path.join(os.environ["PROMETHEUS_MULTIPROC_DIR"], "*.db")):
        os.remove(leftover)


def _metrics_of_dead_process(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def _post_fork(server, worker):
    """A request-serving process ends with the master that forked it, even a killed one."""
    from hamaynk.processes import die_with_parent

    die_with_parent()


def _static_root():
    """WhiteNoise serves the packages' static files itself, and warns in every process when
    STATIC_ROOT (where `hamaynk collectstatic` copies them) is missing, as in a fresh install."""
    import os

    from django.conf import settings

    try:
        os.makedirs(settings.STATIC_ROOT, exist_ok=True)
    except OSError:  # a read-only file system: the warning is all that is lost
        pass


class WebServer(BaseApplication):
    def __init__(self, settings_for_gunicorn):
        self._settings = settings_for_gunicorn
        super().__init__()

    def load_config(self):
        for name, value in self._settings.items():
            if value is not None:
                self.cfg.set(name, value)

    def load(self):
        # Each process loads Django after the fork: no database connection is shared by two.
        from hamaynk.wsgi import application

        return application


def main(argv):
    parser = argparse.ArgumentParser(prog="hamaynk web", description=__doc__)
    parser.add_argument("--bind", help="address:port (default WEB_BIND)")
    parser.add_argument("--processes", type=int, help="default WEB_PROCESSES")
    parser.add_argument("--threads", type=int, help="default WEB_THREADS")
    args = parser.parse_args(argv)
    _metrics_folder()
    import django

    django.setup()
    _static_root()
    WebServer(options(args.bind, args.processes, args.threads)).run()
    return 0
