"""The code keeps one style: ruff's lint rules and its formatter (pyproject.toml), checked with
the tests so CI stops a change that breaks either."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _ruff():
    found = Path(sys.executable).with_name("ruff")
    if found.exists():
        return str(found)
    if shutil.which("ruff"):
        return shutil.which("ruff")
    pytest.fail("ruff is not installed: it is in the [test] extras")


@pytest.mark.parametrize("command", [["check", "--no-fix"], ["format", "--check"]], ids=["lint", "format"])
def test_ruff(command):
    result = subprocess.run([_ruff(), *command, "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
