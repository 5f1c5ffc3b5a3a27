"""The platform's processes and how `hamaynk run` keeps them together.

PROCESSES is the list `hamaynk run` starts, each a `hamaynk` command of its own, exactly as a
deployment runs them (one container each): to add a process, add a line.

No process outlives `run`, even when `run` is killed with SIGKILL and has no chance to clean up:

- every child is started in a process group of its own (not the terminal's), and on Linux asks
  the kernel (prctl PR_SET_PDEATHSIG) for SIGTERM when `run` dies;
- what the children start themselves (gunicorn's request processes, a Celery pool) stays in
  that group; gunicorn's processes also ask for the signal when their master dies;
- a watchdog process leads the group and holds the reading end of a pipe whose writing end only
  `run` has. When `run` dies, however it dies, the kernel closes the pipe: the watchdog sends
  SIGTERM to the whole group, waits WATCHDOG_GRACE seconds, then SIGKILLs whatever is left.

Ctrl-C in the terminal reaches `run` only (the children are not in the terminal's foreground
group); `run` then stops the processes in reverse order, beat first and the web server last.
"""

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

WATCHDOG_GRACE = 5.0
STOP_TIMEOUT = 15.0
PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Process:
    name: str
    command: tuple  # arguments of the `hamaynk` command
    does: str  # one line for the operator
    background: bool = True  # left out by `hamaynk run --no-worker`


PROCESSES = (
    Process("web", ("web",), "gunicorn, HTTP (WEB_PROCESSES × WEB_THREADS)", background=False),
    Process("worker", ("worker", "--pool", "solo", "--loglevel", "WARNING"), "Celery worker, background tasks"),
    Process("beat", ("beat", "--loglevel", "WARNING"), "the one scheduler of periodic tasks"),
    Process("relay", ("relay",), "the events relay: outboxes to the exchange and the consumers"),
)


def die_with_parent(signum=signal.SIGTERM):
    """Asks Linux to send `signum` to this process when its parent ends (elsewhere: nothing,
    the watchdog covers it). Safe to call between fork and exec."""
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    _libc().prctl(PR_SET_PDEATHSIG, int(signum), 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request was in place
        os.kill(os.getpid(), signum)


_LIBC = None


def _libc():
    global _LIBC
    if _LIBC is None:
        _LIBC = ctypes.CDLL(None, use_errno=True)
    return _LIBC


class Stopped(Exception):
    """SIGTERM reached `run`."""


class Supervisor:
    """Starts PROCESSES under a watchdog; `wait()` returns when Ctrl-C, SIGTERM or the end of one
    of them asks to stop, `stop()` ends them all."""

    def __init__(self, processes, env=None):
        self.processes = list(processes)
        self.env = dict(os.environ if env is None else env)
        self.children = {}  # name → Popen
        self.watchdog = None
        self._lifeline = None

    def start(self):
        if sys.platform.startswith("linux"):
            _libc()  # loaded before any fork: the child only calls it
        reading, self._lifeline = os.pipe()
        self.watchdog = subprocess.Popen(
            [sys.executable, "-m", "hamaynk.processes", "watchdog"],
            stdin=reading,
            process_group=0,
            env=self.env,
        )
        os.close(reading)
        group = self.watchdog.pid
        for process in self.processes:
            self.children[process.name] = subprocess.Popen(
                [sys.executable, "-m", "hamaynk.cli", *process.command],
                stdin=subprocess.DEVNULL,
                process_group=group,
                preexec_fn=die_with_parent,
                env=self.env,
            )
        return self

    def pids(self):
        return {name: child.pid for name, child in self.children.items()}

    def wait(self):
        """Blocks until Ctrl-C or SIGTERM (returns None) or until a process ends on its own
        (returns its name)."""
        previous = signal.signal(signal.SIGTERM, _raise_stopped)
        try:
            while True:
                for name, child in self.children.items():
                    if child.poll() is not None:
                        return name
                time.sleep(0.3)
        except (KeyboardInterrupt, Stopped):
            return None
        finally:
            signal.signal(signal.SIGTERM, previous)

    def stop(self):
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C does not cut the stop short
        for child in reversed(list(self.children.values())):
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + STOP_TIMEOUT
        for child in self.children.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
        if self.watchdog is not None:
            # Whatever is left in the group (a stuck child, a grandchild) goes with the watchdog.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.watchdog.pid, signal.SIGKILL)
            self.watchdog.wait()
        if self._lifeline is not None:
            os.close(self._lifeline)
            self._lifeline = None
        for child in self.children.values():
            child.wait()
        signal.signal(signal.SIGINT, signal.default_int_handler)


def _raise_stopped(*_):
    raise Stopped


def watchdog():
    """Leads the children's process group; ends it when the pipe from `run` closes."""
    import psutil

    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while os.read(0, 4096):
        pass  # `run` never writes: this returns only when its end closes
    group = os.getpgid(0)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGTERM)
    deadline = time.monotonic() + WATCHDOG_GRACE
    while time.monotonic() < deadline and _others_in_group(psutil, group):
        time.sleep(0.1)
    os.killpg(group, signal.SIGKILL)  # this process included


def _others_in_group(psutil, group):
    me = os.getpid()
    for process in psutil.process_iter():
        with contextlib.suppress(psutil.Error, OSError):
            if process.pid != me and os.getpgid(process.pid) == group and process.status() != psutil.STATUS_ZOMBIE:
                return True
    return False


if __name__ == "__main__" and sys.argv[1:] == ["watchdog"]:
    watchdog()
