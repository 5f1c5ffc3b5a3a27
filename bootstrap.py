#!/usr/bin/env python3
"""The two commands: `python3.11 bootstrap.py run` and `python3.11 bootstrap.py test`.

Each makes (or refreshes) a virtual environment in .venv with what Hamaynk needs, then
starts the platform or runs the whole test suite: `run` installs the platform's own dependencies
only, `test` adds the test extras (pytest, Playwright, moto, ...). Nothing but Python (3.11, 3.12 or 3.13) is
assumed; on 3.13 there is no embedded PostgreSQL, so `run` needs DATABASE_URL (README.md).
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
SUPPORTED = ((3, 11), (3, 12), (3, 13))  # pyproject.toml's requires-python


def sh(*args, **kwargs):
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], check=True, **kwargs)


def pip_install(*args):
    """pip install, printing one line per package it fetches (no long silences, no wall of
    text); everything pip said is printed when it fails."""
    print("+", " ".join(str(a) for a in args), flush=True)
    said = []
    with subprocess.Popen(
        [str(a) for a in args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
    ) as pip:
        for line in pip.stdout:
            said.append(line)
            if line.startswith("Collecting "):
                print("  " + line.split()[1], flush=True)
            elif line.startswith("Installing collected packages"):
                print("  installing the packages...", flush=True)
    if pip.returncode:
        print("".join(said), end="", flush=True)
        raise subprocess.CalledProcessError(pip.returncode, [str(a) for a in args])


def venv_version():
    """The Python version .venv was made with, or None when there is none."""
    config = VENV / "pyvenv.cfg"
    if not (BIN / "python").exists() or not config.exists():
        return None
    for line in config.read_text().splitlines():
        key, _, value = line.partition("=")
        if key.strip() in ("version", "version_info"):
            return tuple(int(part) for part in value.strip().split(".")[:2])
    return None


def install(extras=""):
    """Make .venv and install Hamaynk into it: `extras` is "" (the platform) or "test"."""
    if sys.version_info[:2] not in SUPPORTED:
        names = [f"{major}.{minor}" for major, minor in SUPPORTED]
        versions = f"{', '.join(names[:-1])} or {names[-1]}"
        sys.exit(f"Hamaynk needs Python {versions}; this is {sys.version.split()[0]}.")
    made_with = venv_version()
    if made_with and made_with != sys.version_info[:2]:
        # A .venv from another Python: make it again with this one.
        print(f"{VENV} was made with Python {made_with[0]}.{made_with[1]}; making it again.", flush=True)
        shutil.rmtree(VENV)
    if not (BIN / "python").exists():
        print(f"Making the virtual environment {VENV}...", flush=True)
        sh(sys.executable, "-m", "venv", VENV)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    # The stamp holds the pyproject.toml it was installed from and which extras: `run` is
    # content with either, `test` needs its extras.
    installed = STAMP.read_text().split() if STAMP.exists() else []
    if installed[:1] == [wanted] and (not extras or extras in installed[1:]):
        return
    what = "the platform and its test tools" if extras else "the platform's dependencies"
    print(f"Installing {what} into {VENV} (the first time takes a few minutes)...", flush=True)
    sh(BIN / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    target = f"{ROOT}[{extras}]" if extras else str(ROOT)
    pip_install(BIN / "python", "-m", "pip", "install", "--progress-bar", "off", "-e", target)
    STAMP.write_text(" ".join([wanted, *([extras] if extras else [])]))
    print("Installed.", flush=True)


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
        sys.exit("usage: python3.11 bootstrap.py run [--port N] | test [pytest arguments]  (or python3.12, python3.13)")
    install("test" if command == "test" else "")
    os.chdir(ROOT)
    if command == "run":
        os.execv(BIN / "hamaynk", [str(BIN / "hamaynk"), "run", *rest])
    ensure_chromium()
    result = subprocess.run([str(BIN / "python"), "-m", "pytest", *rest])
    sys.exit(result.returncode)


if __name__ == "__main__":
    main()
