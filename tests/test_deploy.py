"""The production deployment in deploy/: the image's Dockerfile, the single-host Compose stack, its
environment file and the front proxy's configuration.

No container is built or started here. The Dockerfile goes through hadolint and is compared with
pyproject.toml and the `hamaynk` command; compose.yaml, interpolated with .env.example as Compose
would, is validated against the Compose Specification's JSON schema and cross-checked with the
settings, the command and the proxy; the Caddyfile goes through Caddy itself; the health checks
the stack declares are run against real processes.

tests/data/compose-spec.json is schema/compose-spec.json of the compose-spec/compose-spec
repository as of commit a08f8d51631b7127ddac3d2c65537db429d0f1d0 (2025-10-28, the file's last
change there), unmodified (Apache License 2.0).
"""

import json
import os
import re
import shlex
import socket
import subprocess
import sys
import tomllib
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
SETTINGS_FILE = ROOT / "platform" / "hamaynk" / "settings.py"

# Variables a Hamaynk container is given that settings.py does not read, and who reads them.
READ_OUTSIDE_SETTINGS = {
    "AWS_ACCESS_KEY_ID": "boto3 (django-storages' S3 client)",
    "AWS_SECRET_ACCESS_KEY": "boto3 (django-storages' S3 client)",
}
# Commands `hamaynk` handles itself before Django's management commands (platform/hamaynk/cli.py).
CLI_COMMANDS = {"run", "web", "beat", "worker"}
LONG_RUNNING = {"postgres", "rabbitmq", "redis", "minio", "web", "worker", "beat", "relay", "proxy"}
ONE_SHOT = {"setup", "buckets"}


def _tool(name):
    found = Path(sys.executable).with_name(name)
    if found.exists():
        return str(found)
    pytest.fail(f"{name} is not installed: it is in the [test] extras")


# --- Compose's interpolation -----------------------------------------------------------------------

_REFERENCE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def _interpolate(text, variables):
    """${X}, $X, ${X:-default}, ${X-default}, ${X:?error}, ${X?error}, ${X:+other}, ${X+other} and $$,
    as the Compose Specification defines them."""

    def replace(match):
        if match.group(0) == "$$":
            return "$"
        name = match.group(1) or match.group(4)
        operator, argument = match.group(2), match.group(3) or ""
        value = variables.get(name)
        present = value is not None and (value != "" or not (operator or "").startswith(":"))
        if operator in (":-", "-"):
            return value if present else argument
        if operator in (":?", "?"):
            if not present:
                raise AssertionError(f"compose would stop: {name}: {argument}")
            return value
        if operator in (":+", "+"):
            return argument if present else ""
        return value or ""

    return _REFERENCE.sub(replace, text)


def _interpolated(node, variables):
    if isinstance(node, dict):
        return {key: _interpolated(value, variables) for key, value in node.items()}
    if isinstance(node, list):
        return [_interpolated(value, variables) for value in node]
    if isinstance(node, str):
        return _interpolate(node, variables)
    return node


def _referenced_variables(text):
    return {m.group(1) or m.group(4) for m in _REFERENCE.finditer(text) if m.group(0) != "$$"}


def _env_example():
    """deploy/.env.example as Compose reads an .env file: NAME=value, quotes removed."""
    values = {}
    for number, line in enumerate((DEPLOY / ".env.example").read_text().splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, sep, value = line.partition("=")
        assert sep and re.fullmatch(r"[A-Z][A-Z0-9_]*", name), f".env.example line {number}: {line!r}"
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        assert name not in values, f".env.example names {name} twice"
        values[name] = value
    return values


def _compose(variables=None):
    text = (DEPLOY / "compose.yaml").read_text()
    return _interpolated(yaml.safe_load(text), _env_example() if variables is None else variables)


def _hamaynk_services(compose):
    image = compose["x-hamaynk"]["image"]
    return {name: service for name, service in compose["services"].items() if service.get("image") == image}


def _settings_variables():
    """Every variable settings.py reads from the environment, as it spells it."""
    source = SETTINGS_FILE.read_text()
    names = set(re.findall(r"""\benv(?:\.[a-z_]+)?\(\s*["']([A-Z][A-Z0-9_]*)["']""", source))
    names |= set(re.findall(r"""os\.environ(?:\.get)?[\(\[]\s*["']([A-Z][A-Z0-9_]*)["']""", source))
    return names


# --- The Dockerfile ---------------------------------------------------------------------------------


def _dockerfile():
    """(stage name, instruction, arguments) for every instruction, continuation lines joined."""
    text = re.sub(r"\\\n", " ", (DEPLOY / "Dockerfile").read_text())
    stage, instructions = None, []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, arguments = line.partition(" ")
        keyword, arguments = keyword.upper(), " ".join(arguments.split())
        if keyword == "FROM":
            stage = arguments.split(" AS ")[-1].strip() if " AS " in arguments else arguments
        instructions.append((stage, keyword, arguments))
    return instructions


def test_dockerfile_passes_hadolint_without_any_finding():
    result = subprocess.run(
        [_tool("hadolint"), "--no-color", "--format", "json", str(DEPLOY / "Dockerfile")],
        capture_output=True,
        text=True,
    )
    findings = json.loads(result.stdout or "[]")
    assert findings == [], "\n".join(f"line {f['line']}: {f['code']} {f['level']}: {f['message']}" for f in findings)
    assert result.returncode == 0, result.stderr


def test_hadolint_would_report_a_broken_dockerfile(tmp_path):
    """The check above can fail: the same call on an unpinned, root, untagged Dockerfile finds it."""
    broken = tmp_path / "Dockerfile"
    broken.write_text("FROM python\nRUN pip install build\nUSER root\n")
    result = subprocess.run([_tool("hadolint"), "--no-color", "--format", "json", str(broken)], capture_output=True)
    codes = {finding["code"] for finding in json.loads(result.stdout)}
    assert {"DL3006", "DL3013", "DL3042", "DL3002"} <= codes
    assert result.returncode != 0


def test_dockerfile_builds_the_wheel_and_installs_only_it():
    from packaging.specifiers import SpecifierSet
    from setuptools import find_namespace_packages

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    instructions = _dockerfile()
    stages = [arguments for _, keyword, arguments in instructions if keyword == "FROM"]
    assert len(stages) == 2 and stages[0].endswith(" AS build") and stages[1].endswith(" AS runtime"), stages
    for stage in stages:
        image, tag = stage.split(" ")[0].split(":")
        assert image == "python" and "-slim" in tag, stage
        python = tag.split("-")[0]
        assert python in SpecifierSet(project["project"]["requires-python"]), f"{stage} against requires-python"

    build = [(keyword, arguments) for stage, keyword, arguments in instructions if stage == "build"]
    runtime = [(keyword, arguments) for stage, keyword, arguments in instructions if stage == "runtime"]
    assert ("RUN", "python -m build --wheel --outdir /dist .") in build

    # Everything the wheel is built from is copied in, and the build context lets it through.
    copied = [arguments.split(" ")[0] for keyword, arguments in build if keyword == "COPY"]
    for source in copied:
        assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
    find = project["tool"]["setuptools"]["packages"]["find"]
    for where in find["where"]:
        for package in find_namespace_packages(where=str(ROOT / where), include=find["include"]):
            top = (Path(where) / package.split(".")[0]).as_posix().removeprefix("./")
            assert any(top == source or top.startswith(source + "/") for source in copied), f"{top} is not copied"
    ignore = [line for line in (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines() if line[:1] not in "#"]
    assert ignore[0] == "*", "the build context starts from nothing"
    for source in copied:
        assert f"!{source.rstrip('/')}" in ignore, f"{source} is kept out of the build context"

    # The runtime stage takes nothing from the repository: the wheel from the build stage only.
    assert not [a for k, a in runtime if k in ("COPY", "ADD") and "--from=build" not in a], "runtime copies sources"
    installs = [a for k, a in runtime if k == "RUN" and "pip install" in a]
    assert installs == ["--mount=type=bind,from=build,source=/dist,target=/dist pip install --no-cache-dir /dist/*.whl"]

    env = dict(
        pair.split("=", 1) for k, a in runtime if k == "ENV" for pair in shlex.split(a)
    )  # ENV NAME=value NAME=value
    assert Path(env["HAMAYNK_VAR_DIR"]).is_absolute() and Path(env["STATIC_ROOT"]).is_absolute()
    assert not Path(env["STATIC_ROOT"]).is_relative_to(env["HAMAYNK_VAR_DIR"]), "static files outside the volume"
    assert env["WEB_BIND"].startswith("0.0.0.0:")

    order = [k if k != "RUN" else a for k, a in runtime]
    collect = order.index("hamaynk collectstatic --noinput --verbosity 1")
    user = order.index("USER")
    assert installs and collect < user, "static files are collected at build time, as root, before USER"
    (user_value,) = [a for k, a in runtime if k == "USER"]
    assert user_value.split(":")[0] not in ("0", "root")

    entrypoint = json.loads(next(a for k, a in runtime if k == "ENTRYPOINT"))
    command = json.loads(next(a for k, a in runtime if k == "CMD"))
    assert entrypoint == ["hamaynk"] and "hamaynk" in project["project"]["scripts"]
    assert command == ["web"]
    healthcheck = next(a for k, a in runtime if k == "HEALTHCHECK")
    assert "/healthz" in healthcheck


def _healthcheck_command():
    healthcheck = next(a for _, k, a in _dockerfile() if k == "HEALTHCHECK")
    return json.loads(healthcheck[healthcheck.index("CMD ") + 4 :])


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_image_healthcheck_calls_healthz_on_the_web_servers_port(live_server):
    """The HEALTHCHECK's own command against a running application: healthy, then unhealthy on a
    port nothing listens on."""
    _, port = live_server
    command = _healthcheck_command()
    assert command[:2] == ["python", "-c"]
    run = [sys.executable, "-c", command[2]]
    healthy = subprocess.run(run, env={**os.environ, "WEB_BIND": f"0.0.0.0:{port}"}, capture_output=True, text=True)
    assert healthy.returncode == 0, healthy.stderr
    down = subprocess.run(run, env={**os.environ, "WEB_BIND": f"0.0.0.0:{_free_port()}"}, capture_output=True)
    assert down.returncode != 0


def test_healthz_answers_on_any_host():
    from django.test import Client

    for host in ("10.0.0.7:8000", "127.0.0.1:8000", "not-a-municipality.example"):
        response = Client().get("/healthz", HTTP_HOST=host)
        assert response.status_code == 200, host


# --- compose.yaml -----------------------------------------------------------------------------------


def _compose_validator():
    # The schema names draft 7 by an address jsonschema does not know it by; it is draft 7.
    schema = json.loads((ROOT / "tests" / "data" / "compose-spec.json").read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def test_compose_file_follows_the_compose_specification():
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in _compose_validator().iter_errors(_compose())
    ]
    assert errors == []


def test_compose_schema_check_can_fail():
    broken = _compose()
    broken["services"]["web"]["depends_on"]["setup"]["condition"] = "service_finished"
    broken["services"]["proxy"]["helthcheck"] = broken["services"]["proxy"].pop("healthcheck")
    broken["services"]["worker"]["stop_grace_period"] = 60
    errors = list(_compose_validator().iter_errors(broken))
    assert len(errors) == 3, [e.message for e in errors]


def test_env_example_names_exactly_the_variables_compose_uses():
    used = _referenced_variables((DEPLOY / "compose.yaml").read_text())
    example = (DEPLOY / ".env.example").read_text()
    named = set(_env_example())
    assert used - named == set(), "used in compose.yaml, missing from .env.example"
    assert named - used == set(), "in .env.example, used nowhere in compose.yaml"
    # Each variable has its comment right above it (or above the group it starts).
    lines = example.splitlines()
    for index, line in enumerate(lines):
        if "=" in line and not line.startswith("#"):
            above = lines[index - 1]
            assert above.startswith("#") or ("=" in above and not above.startswith("#")), f"no comment for {line}"


def test_required_variables_stop_compose_when_missing():
    variables = _env_example()
    del variables["SECRET_KEY"]
    with pytest.raises(AssertionError, match="SECRET_KEY"):
        _compose(variables)


def test_depends_on_names_services_and_one_shots_complete_first():
    compose = _compose()
    services = compose["services"]
    assert set(services) == LONG_RUNNING | ONE_SHOT
    for name, service in services.items():
        for dependency, rule in service.get("depends_on", {}).items():
            assert dependency in services, f"{name} depends on {dependency}, which is no service"
            expected = "service_completed_successfully" if dependency in ONE_SHOT else "service_healthy"
            assert rule["condition"] == expected, f"{name} → {dependency}"
    for name in ("web", "worker", "beat", "relay"):
        assert services[name]["depends_on"]["setup"] == {"condition": "service_completed_successfully"}
    assert services["beat"]["deploy"]["replicas"] == 1


def test_every_service_has_a_healthcheck_and_a_restart_policy():
    services = _compose()["services"]
    for name in LONG_RUNNING:
        check = services[name].get("healthcheck", {})
        assert check.get("test") and not check.get("disable"), f"{name} has no health check"
        assert services[name]["restart"] == "unless-stopped", name
    for name in ONE_SHOT:
        assert services[name]["restart"] == "no", name


def test_hamaynk_services_run_real_commands():
    from django.core.management import get_commands

    from hamaynk.cli import ALIASES

    known = CLI_COMMANDS | set(ALIASES) | set(get_commands())
    commands = {name: service["command"] for name, service in _hamaynk_services(_compose()).items()}
    assert {name: command[0] for name, command in commands.items()} == {
        "setup": "setup",
        "web": "web",
        "worker": "worker",
        "beat": "beat",
        "relay": "relay",
    }
    for name, command in commands.items():
        assert command[0] in known, f"{name}: hamaynk {command[0]} does not exist"


def test_hamaynk_environment_is_spelled_as_the_settings_read_it():
    read = _settings_variables()
    assert {"DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "SECRET_KEY", "PLATFORM_DOMAIN"} <= read
    for name, service in _hamaynk_services(_compose()).items():
        unknown = set(service["environment"]) - read - set(READ_OUTSIDE_SETTINGS)
        assert unknown == set(), f"{name} sets variables no setting reads"


def test_hamaynk_environment_parses_as_the_settings_expect():
    """The URLs compose builds from .env.example are what django-environ turns into the right
    backends: PostgreSQL, RabbitMQ, Redis, S3."""
    import environ

    environment = _compose()["services"]["web"]["environment"]
    database = environ.Env.db_url_config(environment["DATABASE_URL"])
    assert (database["HOST"], database["PORT"], database["NAME"]) == ("postgres", 5432, "hamaynk")
    assert environ.Env.cache_url_config(environment["CACHE_URL"])["BACKEND"].endswith("redis.RedisCache")
    assert environment["CELERY_BROKER_URL"].startswith("amqp://hamaynk:") and environment["CELERY_BROKER_URL"].endswith(
        "@rabbitmq:5672//"
    )
    assert environment["STORAGE_BACKEND"] == "s3" and environment["AWS_S3_ENDPOINT_URL"] == "http://minio:9000"
    assert environment["PLATFORM_DOMAIN"] == _env_example()["HAMAYNK_DOMAIN"]
    assert environment["TRUSTED_PROXIES"] == _compose()["services"]["proxy"]["networks"]["edge"]["ipv4_address"]


def test_bind_mounted_files_exist():
    for name, service in _compose()["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), f"{name} mounts {source}, which does not exist"
    assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in _compose()["services"]["proxy"]["volumes"]


def _database_port(url):
    import environ

    return environ.Env.db_url_config(url)["PORT"]


def test_database_connection_healthcheck_follows_a_connection():
    """beat's and the relay's check, run here with the port of a connection this test opens and
    closes: healthy while it is established, unhealthy after."""
    compose = _compose()
    check = compose["services"]["beat"]["healthcheck"]
    assert compose["services"]["relay"]["healthcheck"] == check
    database_port = str(_database_port(compose["services"]["web"]["environment"]["DATABASE_URL"]))
    code = check["test"][3]
    assert check["test"][:3] == ["CMD", "python", "-c"] and code.count(database_port) == 1
    # The image has psutil because Hamaynk depends on it.
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert any(re.match(r"psutil\b", dependency) for dependency in dependencies)
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    run = [sys.executable, "-c", code.replace(database_port, str(port))]
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = server.accept()
    try:
        assert subprocess.run(run, capture_output=True).returncode == 0
    finally:
        client.close()
        accepted.close()
        server.close()
    assert subprocess.run(run, capture_output=True).returncode == 1


# --- The front proxy --------------------------------------------------------------------------------


def _caddy(*arguments, tls="internal", extra_env=None):
    variables = _env_example()
    proxy_env = _compose()["services"]["proxy"]["environment"]
    env = {**os.environ, **proxy_env, "HAMAYNK_TLS": tls, **(extra_env or {})}
    # Caddy keeps its state under HOME; a folder of the test's own.
    env.setdefault("XDG_DATA_HOME", str(Path(os.environ.get("HAMAYNK_VAR_DIR", "/tmp")) / "caddy-data"))
    env.setdefault("XDG_CONFIG_HOME", str(Path(os.environ.get("HAMAYNK_VAR_DIR", "/tmp")) / "caddy-config"))
    assert proxy_env["HAMAYNK_DOMAIN"] == variables["HAMAYNK_DOMAIN"]
    return subprocess.run(
        [_tool("caddy"), *arguments, "--config", str(DEPLOY / "Caddyfile"), "--adapter", "caddyfile"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_caddyfile_routes_the_domain_and_its_subdomains_to_web_with_the_apps_body_limit():
    from django.conf import settings

    result = _caddy("adapt")
    assert result.returncode == 0, result.stderr
    assert "not formatted" not in result.stderr, "run `caddy fmt --overwrite deploy/Caddyfile`"
    config = json.loads(result.stdout)
    domain = _env_example()["HAMAYNK_DOMAIN"]
    (server,) = config["apps"]["http"]["servers"].values()
    assert server["listen"] == [":443"]
    (route,) = server["routes"]
    assert route["match"] == [{"host": [domain, f"*.{domain}"]}]
    handlers = [handler for sub in route["handle"][0]["routes"] for handler in sub["handle"]]
    limit = next(h["max_size"] for h in handlers if h["handler"] == "request_body")
    assert limit == int(_env_example()["INPUT_MAX_REQUEST_BYTES"]) == settings.INPUT_MAX_REQUEST_BYTES
    proxy = next(h for h in handlers if h["handler"] == "reverse_proxy")
    assert proxy["upstreams"] == [{"dial": "web:8000"}]
    # web listens there, on a network the proxy shares.
    services = _compose()["services"]
    assert services["web"]["environment"]["WEB_BIND"] == "0.0.0.0:8000"
    assert set(services["proxy"]["networks"]) & set(services["web"]["networks"]) == {"edge"}
    # No header_up rewrites: Caddy's own X-Forwarded-For/Proto/Host and the client's Host go through.
    assert "headers" not in proxy
    # The operators' metrics are not published.
    blocked = [sub for sub in route["handle"][0]["routes"] if sub.get("match") == [{"path": ["/metrics", "/metrics/"]}]]
    assert blocked and blocked[0]["handle"][0]["status_code"] == 404


def test_caddyfile_is_valid_with_a_certificate_pair(tmp_path):
    """HAMAYNK_TLS as .env.example writes it (two file names in one variable) loads a real pair."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    domain = _env_example()["HAMAYNK_DOMAIN"]
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domain)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(domain), x509.DNSName(f"*.{domain}")]), False)
        .sign(key, hashes.SHA256())
    )
    (tmp_path / "fullchain.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "privkey.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    configured = _env_example()["HAMAYNK_TLS"].replace("/etc/caddy/certs", str(tmp_path))
    result = _caddy("validate", tls=configured, extra_env={"XDG_DATA_HOME": str(tmp_path / "data")})
    assert result.returncode == 0, result.stderr
    assert "Valid configuration" in result.stdout + result.stderr
    missing = _caddy("validate", tls=f"{tmp_path}/absent.pem {tmp_path}/absent-key.pem")
    assert missing.returncode != 0
