"""The PostgreSQL client programs a backup needs: found for the server's version, run with the
deployment's connection settings, and the schema name rewritten in a plain dump."""

import glob
import os
import re
import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.db import connection


class ToolMissing(RuntimeError):
    """No usable pg_dump or psql for this server."""


def server_major():
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        return int(cursor.fetchone()[0]) // 10000


def _bundled_bin():
    """The embedded server's own programs (pgserver), when it is installed."""
    try:
        import pgserver
    except ImportError:
        return None
    folder = Path(pgserver.__file__).parent / "pginstall" / "bin"
    return folder if folder.is_dir() else None


def _candidates(name, major):
    """Where to look, best first: PG_BIN_DIR, Debian's folder for this major version, the
    embedded server's programs, the PATH, then any other Debian version."""
    seen = []

    def add(path):
        if path and os.path.isfile(path) and os.access(path, os.X_OK) and str(path) not in seen:
            seen.append(str(path))

    if os.environ.get("PG_BIN_DIR"):
        add(os.path.join(os.environ["PG_BIN_DIR"], name))
    add(f"/usr/lib/postgresql/{major}/bin/{name}")
    bundled = _bundled_bin()
    if bundled is not None:
        add(bundled / name)
    add(shutil.which(name))
    for path in sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True):
        add(path)
    return seen


def tool_major(path):
    try:
        output = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(r"\)\s+(\d+)(?:\.\d+)?", output)
    return int(found.group(1)) if found else None


def find_tool(name, major=None):
    """The path of `name` (pg_dump, psql) whose major version is the server's.

    pg_dump refuses a newer server and writes statements an older server may not know, so only
    the same major version is taken. PG_BIN_DIR names a folder to look in first."""
    major = major or server_major()
    looked = []
    for path in _candidates(name, major):
        found = tool_major(path)
        looked.append(f"{path} ({found or 'unknown version'})")
        if found == major:
            return path
    where = "; ".join(looked) or "nothing found"
    raise ToolMissing(
        f"{name} for PostgreSQL {major} is needed and was not found (looked at: {where}). "
        f"Install the client programs of that version (Debian: apt-get install postgresql-client-{major}) "
        "or set PG_BIN_DIR to the folder that holds them."
    )


def client_environment():
    """libpq's variables for the deployment's database: no password on a command line."""
    database = settings.DATABASES["default"]
    env = dict(os.environ)
    values = {
        "PGHOST": database.get("HOST") or "",
        "PGPORT": str(database.get("PORT") or ""),
        "PGUSER": database.get("USER") or "",
        "PGPASSWORD": database.get("PASSWORD") or "",
        "PGDATABASE": database["NAME"],
        "PGCONNECT_TIMEOUT": str(database.get("OPTIONS", {}).get("connect_timeout", 10)),
        "PGAPPNAME": "hamaynk-backup",
    }
    for key, value in values.items():
        if value:
            env[key] = value
        else:
            env.pop(key, None)
    return env


def dump_schema(schema, target, *, snapshot=None):
    """`pg_dump -n schema` in plain SQL into the file `target`, from `snapshot` when given (so
    the dump and the public rows read in that snapshot agree)."""
    pg_dump = find_tool("pg_dump")
    command = [pg_dump, "--schema", schema, "--format", "plain", "--no-owner", "--no-privileges", "--file", str(target)]
    if snapshot:
        command += ["--snapshot", snapshot]
    result = subprocess.run(command, env=client_environment(), capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"pg_dump failed: {result.stderr.strip()}")
    return pg_dump


_COPY_START = re.compile(r"^COPY\s.+\sFROM stdin;$")


def rewrite_schema(source, target, old, new):
    """Copies a plain dump, naming schema `new` wherever the statements name `old`. The rows of
    COPY blocks are data and are copied untouched."""
    name = re.compile(rf"(?<![A-Za-z0-9_$]){re.escape(old)}(?![A-Za-z0-9_$])")
    in_data = False
    with open(source, encoding="utf-8", newline="") as reader, open(target, "w", encoding="utf-8", newline="") as out:
        for line in reader:
            if in_data:
                if line.rstrip("\r\n") == "\\.":
                    in_data = False
                out.write(line)
                continue
            line = name.sub(new, line)
            if _COPY_START.match(line.rstrip("\r\n")):
                in_data = True
            out.write(line)


def run_sql_file(path):
    """Runs a SQL file with psql in one transaction, stopping at the first error."""
    psql = find_tool("psql")
    command = [psql, "--no-psqlrc", "--quiet", "--set", "ON_ERROR_STOP=1", "--single-transaction", "--file", str(path)]
    result = subprocess.run(command, env=client_environment(), capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"psql failed: {result.stderr.strip()}")
