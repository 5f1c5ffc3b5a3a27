"""Where Hamaynk finds its own files and where it writes its data.

Everything the platform reads (templates, static files, catalogues, provisioning templates, the
demo list) is found through the installed packages, so the same code runs from a checkout
(`pip install -e .`) and from a wheel. Only the data folder depends on how it was installed:

- HAMAYNK_VAR_DIR when it is set;
- in a checkout, the repository's var/;
- otherwise the user's data folder: $XDG_DATA_HOME/hamaynk (~/.local/share/hamaynk) on Linux,
  ~/Library/Application Support/hamaynk on macOS, %LOCALAPPDATA%\\hamaynk on Windows.

It never depends on the current folder: web, worker and beat started from different folders
must share one file-system queue and one media folder.
"""

import importlib.util
import os
import sys
from pathlib import Path

PLATFORM_ROOT = Path(__file__).resolve().parent


def package_dir(name):
    """The folder of an importable package (hamaynk, provisioning, tenants.website …), without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"no package named {name!r}")
    return Path(next(iter(spec.submodule_search_locations))).resolve()


def checkout_root():
    """The repository folder when Hamaynk runs from a checkout, else None."""
    root = PLATFORM_ROOT.parent.parent
    if PLATFORM_ROOT.parent.name == "platform" and (root / "pyproject.toml").is_file():
        return root
    return None


def user_data_dir():
    home = Path.home()
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / "hamaynk"
    if os.name == "nt":
        return Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local") / "hamaynk"
    return Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share") / "hamaynk"


def var_dir(environ=None):
    environ = os.environ if environ is None else environ
    if environ.get("HAMAYNK_VAR_DIR"):
        return Path(environ["HAMAYNK_VAR_DIR"]).expanduser().resolve()
    root = checkout_root()
    return root / "var" if root else user_data_dir()


def provisioning_templates_dir():
    return package_dir("provisioning") / "templates"


def demo_municipalities_csv():
    return package_dir("provisioning") / "demo" / "municipalities.csv"
