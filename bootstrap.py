#!/usr/bin/env python3
"""The two commands: `python3.11 bootstrap.py run` and `python3.11 bootstrap.py test`.

Each makes (or refreshes) a virtual environment in .venv with what Hamaynk needs, then
starts the platform or runs the whole test suite. Nothing but Python 3.11 is assumed.
"""

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / "bin"
STAMP = VENV / ".hamaynk-installed"


def sh(*args, **kwargs):
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], check=True, **kwargs)


def install():
    if sys.version_info[:2] != (3, 11):
        sys.exit(f"Hamaynk needs Python 3.11; this is {sys.version.split()[0]}.")
    if not (BIN / "python").exists():
        sh(sys.executable, "-m", "venv", VENV)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not STAMP.exists() or STAMP.read_text() != wanted:
        sh(BIN / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip")
        sh(BIN / "python", "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[test]")
        STAMP.write_text(wanted)


def ensure_chromium():
    """Browser tests drive the system's Chromium; install Debian's package when we may."""
    if shutil.which("chromium"):
        return
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        sh("apt-get", "update", "-qq", env=env)
        sh("apt-get", "install", "-y", "-qq", "chromium", env=env)
    else:
        print(
            "Chromium is not installed and cannot be installed here: browser tests will be "
            "skipped (under CI=true they fail).",
            flush=True,
        )


def main():
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    rest = sys.argv[2:]
    if command not in ("run", "test"):
        sys.exit("usage: python3.11 bootstrap.py run [--port N] | test [pytest arguments]")
    install()
    os.chdir(ROOT)
    if command == "run":
        os.execv(BIN / "hamaynk", [str(BIN / "hamaynk"), "run", *rest])
    ensure_chromium()
    result = subprocess.run([str(BIN / "python"), "-m", "pytest", *rest])
    sys.exit(result.returncode)


if __name__ == "__main__":
    main()
