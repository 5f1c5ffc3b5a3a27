"""The wheel runs on its own: built, installed into a fresh virtual environment and started from a
folder that is not the repository, it sets up a database, provisions a municipality and serves
its home page and static files, with every file it reads coming from the installed package.

The end-to-end test is slow (a build, a virtual environment with every dependency from the
package index, a golden schema): `-m wheel` runs it alone, `-m "not wheel"` leaves it out.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
import zipfile
from pathlib import Path

import polib
import pytest

from hamaynk import paths
from tests import services

REPO = Path(__file__).resolve().parent.parent
# Source folders whose files the wheel carries, and where they land inside it.
PACKAGE_ROOTS = {
    REPO / "platform" / "hamaynk": "hamaynk",
    REPO / "tenants": "tenants",
    REPO / "provisioning": "provisioning",
}
NOT_SOURCE = (".git", ".venv*", "var", "build", "dist", "*.egg-info", "__pycache__", "*.pyc", ".pytest_cache")


def _copy_source(target):
    """The working tree without virtual environments, build leftovers or data, so that the wheel is
    built from the sources alone (a stale build/ folder could carry deleted modules into it)."""
    shutil.copytree(REPO, target, ignore=shutil.ignore_patterns(*NOT_SOURCE), symlinks=True)
    return target


def _source_files():
    for root, prefix in PACKAGE_ROOTS.items():
        for path in root.rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                yield f"{prefix}/{path.relative_to(root).as_posix()}"


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url, host, timeout=10):
    request = urllib.request.Request(url, headers={"Host": host, "Accept-Language": "hy"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, response.read().decode("utf-8")


def _clean_environment(**extra):
    """Only what a shell on a clean machine has, so that nothing of this test session (its
    settings module, its database, PYTHONPATH or the repository's virtual environment) leaks in."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE")
    environment = {key: os.environ[key] for key in keep if key in os.environ}
    # pip keeps its own configuration (indexes, proxies, certificates); hamaynk reads none of it.
    environment.update({key: value for key, value in os.environ.items() if key.startswith("PIP_")})
    for key in ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"):
        if key in os.environ:
            environment[key] = os.environ[key]
    environment.update({key: str(value) for key, value in extra.items()})
    return environment


def _run(args, **kwargs):
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, (
        f"{' '.join(map(str, args))} exited {result.returncode}:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    )
    return result


@pytest.fixture
def wheel_database(request):
    server = request.config._hamaynk_db_server
    name = f"hamaynk_wheel_{uuid.uuid4().hex[:8]}"
    from tests.conftest import _admin_connect

    with _admin_connect(server) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield services.with_database(server, name)
    with _admin_connect(server) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        left = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    assert left is None


@pytest.mark.wheel
@pytest.mark.timeout(1800)
def test_the_wheel_installs_into_a_fresh_environment_and_serves_a_municipality(tmp_path, wheel_database):
    # Built from a copy of the sources with `python -m build --wheel`, as a deployment builds it.
    source = _copy_source(tmp_path / "source")
    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "build", "--wheel", "--outdir", dist, source], timeout=600)
    (wheel,) = dist.glob("hamaynk-*.whl")

    # Every file under the packages travels in the wheel: templates, static files, catalogues
    # (.po and .mo), provisioning templates, the demo list, migrations.
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = sorted(set(_source_files()) - names)
    assert not missing, f"not in the wheel: {missing}"
    for needed in (
        "hamaynk/locale/hy/LC_MESSAGES/django.mo",
        "hamaynk/locale/ru/LC_MESSAGES/django.po",
        "hamaynk/static/hamaynk/site.css",
        "provisioning/templates/armenia-community/template.yaml",
        "provisioning/demo/municipalities.csv",
        "tenants/website/templates/website/home_page.html",
        "tenants/cases/migrations/0001_initial.py",
    ):
        assert needed in names

    # A fresh virtual environment (no system site-packages) with the wheel and its dependencies
    # from the package index.
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", venv], timeout=300)
    python, hamaynk = venv / "bin" / "python", venv / "bin" / "hamaynk"
    _run([python, "-m", "pip", "install", "--quiet", wheel], env=_clean_environment(), timeout=1200)

    # Everything runs from a folder of its own with the user's data folder in the temporary
    # directory and no HAMAYNK_VAR_DIR, so the default is what is checked.
    workdir, data_home = tmp_path / "elsewhere", tmp_path / "data"
    workdir.mkdir()
    port = _free_port()
    environment = _clean_environment(
        PATH=f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        HOME=tmp_path,
        XDG_DATA_HOME=data_home,
        DATABASE_URL=wheel_database,
        WEB_BIND=f"127.0.0.1:{port}",
        WEB_PROCESSES=1,
        WEB_THREADS=2,
        LOG_LEVEL="WARNING",
    )

    where = _run(
        [
            python,
            "-c",
            "import django, hamaynk, provisioning, tenants.website; django.setup()\n"
            "from django.conf import settings as s\n"
            "from hamaynk import paths\n"
            "print(hamaynk.__file__, provisioning.__file__, tenants.website.__file__)\n"
            "print(*s.TEMPLATES[0]['DIRS'], *s.LOCALE_PATHS, *s.STATICFILES_DIRS, s.PROVISIONING_TEMPLATES_DIR)\n"
            "print(paths.demo_municipalities_csv())\n"
            "print(s.VAR_DIR, s.MEDIA_ROOT, s.STATIC_ROOT, paths.checkout_root())",
        ],
        cwd=workdir,
        env={**environment, "DJANGO_SETTINGS_MODULE": "hamaynk.settings"},
        timeout=120,
    ).stdout.splitlines()
    site_packages = next((venv / "lib").glob("python3.*/site-packages")).resolve()
    read_from = [Path(p) for line in where[:3] for p in line.split()]
    assert (
        len(read_from) >= 8
    )  # the modules, template and catalogue folders (one per LOCALE_PATHS entry), the demo list
    for path in read_from:
        assert path.is_relative_to(site_packages), f"{path} is not in the new environment"
        assert not path.is_relative_to(REPO), f"{path} is in the repository"
        assert path.exists(), path
    var, media, static, checkout = where[3].split()
    assert Path(var) == data_home.resolve() / "hamaynk"
    assert Path(media) == Path(var) / "media" and Path(static) == Path(var) / "static"
    assert checkout == "None"

    _run([hamaynk, "setup"], cwd=workdir, env=environment, timeout=900)
    slug = "wheeltest"
    _run(
        [
            hamaynk,
            "provision",
            "--slug",
            slug,
            "--name-hy",
            "Փորձնական",
            "--name-en",
            "Trial",
            "--name-ru",
            "Пробная",
            "--region",
            "kotayk",
            "--settlements",
            "Փորձնական|Trial|Пробная; Գյուղ|Gyugh|Гюх",
            "--admin-email",
            f"admin@{slug}.test",
        ],
        cwd=workdir,
        env=environment,
        timeout=300,
    )

    log = open(tmp_path / "web.log", "w+")
    web = subprocess.Popen([hamaynk, "web"], cwd=workdir, env=environment, stdout=log, stderr=subprocess.STDOUT)
    try:
        base, host = f"http://127.0.0.1:{port}", f"{slug}.localhost"
        deadline = time.monotonic() + 120
        while True:
            assert web.poll() is None, f"hamaynk web exited {web.returncode}"
            try:
                status, home = _get(f"{base}/", host)
                break
            except OSError:
                assert time.monotonic() < deadline, "hamaynk web did not answer in 120 s"
                time.sleep(0.5)
        # The home page in Armenian: the municipality's name from the database and the site
        # chrome's text from the wheel's template and its compiled Armenian catalogue.
        catalogue = polib.pofile(str(REPO / "platform" / "hamaynk" / "locale" / "hy" / "LC_MESSAGES" / "django.po"))
        track = catalogue.find("Track an application").msgstr
        assert status == 200
        assert track and track in home
        assert "Փորձնական" in home
        assert '<html lang="hy"' in home

        status, css = _get(f"{base}/static/hamaynk/site.css", host)
        assert status == 200
        assert css == (REPO / "platform" / "hamaynk" / "static" / "hamaynk" / "site.css").read_text(encoding="utf-8")
        # The data folder was made where the default says, with no warning about it on the way.
        assert (data_home / "hamaynk" / "static").is_dir()
        log.seek(0)
        assert "No directory at" not in log.read()
    except BaseException:
        log.seek(0)
        print(log.read()[-6000:])
        raise
    finally:
        web.send_signal(signal.SIGTERM)
        try:
            web.wait(timeout=60)
        except subprocess.TimeoutExpired:
            web.kill()
            web.wait()
        log.close()


def test_the_data_folder_is_the_repository_var_in_a_checkout_and_never_the_current_folder(tmp_path, monkeypatch):
    assert paths.checkout_root() == REPO
    assert paths.var_dir({}) == REPO / "var"
    assert paths.var_dir({"HAMAYNK_VAR_DIR": str(tmp_path / "v")}) == tmp_path / "v"
    monkeypatch.chdir(tmp_path)
    assert paths.var_dir({}) == REPO / "var"
    # Installed (no checkout around the package): the user's data folder.
    monkeypatch.setattr(paths, "checkout_root", lambda: None)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    if sys.platform.startswith("linux"):
        assert paths.var_dir({}) == tmp_path / "xdg" / "hamaynk"
    assert paths.var_dir({"HAMAYNK_VAR_DIR": "relative"}) == (tmp_path / "relative").resolve()


def test_read_only_files_come_from_the_packages():
    from django.conf import settings

    assert Path(settings.PROVISIONING_TEMPLATES_DIR) == paths.package_dir("provisioning") / "templates"
    assert (Path(settings.PROVISIONING_TEMPLATES_DIR) / "armenia-community" / "template.yaml").is_file()
    assert paths.demo_municipalities_csv().is_file()


def test_run_explains_when_there_is_no_embedded_postgresql_and_no_database_url(tmp_path, monkeypatch):
    import argparse

    from hamaynk import devserver

    monkeypatch.setitem(sys.modules, "pgserver", None)  # as on Python 3.13: `import pgserver` fails
    monkeypatch.delenv("DATABASE_URL")
    monkeypatch.setenv("HAMAYNK_VAR_DIR", str(tmp_path))
    with pytest.raises(SystemExit) as exit_:
        devserver._prepare_environment(argparse.Namespace(port=8000))
    message = str(exit_.value.code)
    assert "DATABASE_URL is not set" in message
    assert "postgres://" in message and "3.11" in message
    assert "DATABASE_URL" not in os.environ


def test_bootstrap_accepts_exactly_the_pythons_the_package_declares():
    import tomllib

    from packaging.requirements import Requirement
    from packaging.specifiers import SpecifierSet

    import bootstrap

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = SpecifierSet(project["requires-python"])
    for minor in range(8, 16):
        assert ((3, minor) in bootstrap.SUPPORTED) == (f"3.{minor}" in declared), f"3.{minor}"
    # pgserver only where it has binary wheels: not on 3.13, nor on Linux other than x86-64.
    (pgserver,) = [Requirement(r) for r in project["dependencies"] if r.startswith("pgserver")]
    linux = {"sys_platform": "linux", "platform_machine": "x86_64"}
    assert pgserver.marker.evaluate({**linux, "python_version": "3.11"})
    assert pgserver.marker.evaluate({**linux, "python_version": "3.12"})
    assert not pgserver.marker.evaluate({**linux, "python_version": "3.13"})
    assert not pgserver.marker.evaluate({**linux, "python_version": "3.12", "platform_machine": "aarch64"})
    assert pgserver.marker.evaluate({"sys_platform": "darwin", "platform_machine": "arm64", "python_version": "3.12"})


def test_bootstrap_reads_the_python_version_of_an_existing_venv(tmp_path, monkeypatch):
    import bootstrap

    venv = tmp_path / ".venv"
    (venv / "bin").mkdir(parents=True)
    monkeypatch.setattr(bootstrap, "VENV", venv)
    monkeypatch.setattr(bootstrap, "BIN", venv / "bin")
    assert bootstrap.venv_version() is None
    (venv / "bin" / "python").touch()
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.12.4\n")
    assert bootstrap.venv_version() == (3, 12)


def test_tasks_can_be_queued_on_the_file_system_before_the_data_folder_exists(tmp_path):
    var = tmp_path / "not" / "yet"
    environment = {
        **os.environ,
        "HAMAYNK_VAR_DIR": str(var),
        "CELERY_BROKER_URL": "filesystem://",
        "CELERY_RESULT_BACKEND": "",
        "CELERY_TASK_DEFAULT_QUEUE": "celery",
    }
    _run(
        [
            sys.executable,
            "-c",
            "import django; django.setup()\n"
            "from hamaynk.tenancy.tasks import collect_all_statistics\n"
            "collect_all_statistics.delay()",
        ],
        cwd=tmp_path,
        env=environment,
        timeout=120,
    )
    assert len(list((var / "queue").glob("*.msg"))) == 1
    assert (var / "queue-processed").is_dir() and (var / "queue-control").is_dir()
