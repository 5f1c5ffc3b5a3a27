"""Background work on a real broker and files on a real S3 server, each kept per municipality."""

import time
import uuid

import boto3
import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django_tenants.utils import schema_context, tenant_context

from hamaynk.tenancy.models import StatisticsSnapshot
from hamaynk.tenancy.tasks import MissingMunicipality, collect_statistics
from tenants.profile.models import Settlement
from tests import services
from tests.two_factor_helpers import verified_login


@pytest.fixture
def rabbit_worker(celery_worker):
    services.require(celery_worker.app.conf.broker_url.startswith("amqp"), "RabbitMQ")
    return celery_worker


def wait_for(predicate, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError("timed out waiting for the background task")


def test_a_task_sent_from_a_municipality_runs_in_its_schema(alpha, beta, rabbit_worker):
    with schema_context(alpha.schema_name):
        Settlement.objects.create(name_hy=f"Նոր {uuid.uuid4().hex[:6]}", name_en="New", name_ru="Новый")
        expected_alpha = Settlement.objects.count()
    with schema_context(beta.schema_name):
        expected_beta = Settlement.objects.count()
    assert expected_alpha != expected_beta
    StatisticsSnapshot.objects.filter(municipality__in=[alpha, beta]).delete()

    with tenant_context(alpha):
        collect_statistics.delay()
    with tenant_context(beta):
        collect_statistics.delay()
    connection.set_schema_to_public()

    def collected():
        rows = {s.municipality_id: s.values for s in StatisticsSnapshot.objects.filter(municipality__in=[alpha, beta])}
        return rows if len(rows) == 2 else None

    rows = wait_for(collected)
    assert rows[alpha.pk]["profile.settlements"] == expected_alpha
    assert rows[beta.pk]["profile.settlements"] == expected_beta


def test_a_task_without_a_municipality_refuses_to_run_in_the_public_schema():
    connection.set_schema_to_public()
    with pytest.raises(MissingMunicipality):
        collect_statistics()


@pytest.fixture(scope="module")
def s3_server():
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1"
    )
    client.create_bucket(Bucket="hamaynk-test")
    yield endpoint, client
    server.stop()


def _free_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_files_on_s3_are_stored_under_the_municipality_uuid(alpha, beta, s3_server):
    from hamaynk.tenancy.storage import MunicipalS3Storage

    endpoint, client = s3_server
    storage = MunicipalS3Storage(
        bucket_name="hamaynk-test", endpoint_url=endpoint, access_key="test", secret_key="test", region_name="us-east-1"
    )
    connection.set_tenant(alpha)
    name = storage.save("profile/emblem.png", ContentFile(b"\x89PNG alpha"))
    assert not name.startswith("municipalities/")  # the prefix is the storage's business
    keys = [o["Key"] for o in client.list_objects_v2(Bucket="hamaynk-test")["Contents"]]
    assert f"municipalities/{alpha.uuid}/{name}" in keys
    assert storage.exists(name)
    signed = storage.url(name)
    assert f"municipalities/{alpha.uuid}/" in signed and "Signature" in signed and "Expires=" in signed

    # The same storage object in another municipality: the name resolves inside beta's prefix.
    connection.set_tenant(beta)
    assert not storage.exists(name)
    storage.save(name, ContentFile(b"\x89PNG beta"))
    connection.set_tenant(alpha)
    with storage.open(name) as handle:
        assert handle.read() == b"\x89PNG alpha"
    connection.set_schema_to_public()
    assert storage.location == "platform"


def test_the_provisioning_task_delivered_twice_provisions_once(celery_worker):
    from hamaynk.tenancy.models import Municipality
    from provisioning.models import ProvisioningRun
    from provisioning.pipeline import submit
    from provisioning.tasks import provision_municipality
    from tests.conftest import make_request

    run = submit(make_request())
    provision_municipality.delay(run.pk)
    provision_municipality.delay(run.pk)

    def finished():
        run.refresh_from_db()
        return run.state == ProvisioningRun.State.DONE

    wait_for(finished, timeout=60)
    time.sleep(1)  # let the second delivery finish too
    run.refresh_from_db()
    assert run.state == ProvisioningRun.State.DONE
    assert Municipality.objects.filter(slug=run.municipality.slug).count() == 1
    assert run.municipality.domains.count() == 1
    assert all(step.state == "done" for step in run.steps.all())


def test_console_pages_show_module_statistics_without_visiting_schemas(alpha, client_for, ministry_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = verified_login(client_for("localhost"), ministry_user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/console/m/{alpha.uuid}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert all(alpha.schema_name not in q["sql"] for q in queries.captured_queries)
    assert not [q for q in queries.captured_queries if "SET search_path" in q["sql"] and "m_" in q["sql"]]
    html = response.content.decode()
    figures = StatisticsSnapshot.objects.get(municipality=alpha).values
    assert 'data-module="profile"' in html
    # Figures by their label in the reader's language, never by the module's code.
    assert f"Settlements: {figures['profile.settlements']}" in html
    assert f"Active staff accounts: {figures['accounts.staff_users']}" in html
    assert "staff_users" not in html


def test_periodic_statistics_visit_only_active_municipalities(alpha, celery_worker):
    from hamaynk.tenancy.models import Municipality
    from hamaynk.tenancy.tasks import collect_all_statistics
    from provisioning.pipeline import submit
    from tests.conftest import make_request, provision_ok

    half_built = submit(make_request()).municipality  # accepted, never provisioned
    suspended = provision_ok()
    suspended.status = Municipality.Status.SUSPENDED
    suspended.save()
    before = StatisticsSnapshot.objects.get(municipality=suspended).collected_at
    StatisticsSnapshot.objects.filter(municipality=alpha).delete()

    collect_all_statistics(spread_seconds=0)
    wait_for(lambda: StatisticsSnapshot.objects.filter(municipality=alpha).exists())
    time.sleep(1)
    assert not StatisticsSnapshot.objects.filter(municipality=half_built).exists()
    assert StatisticsSnapshot.objects.get(municipality=suspended).collected_at == before
