"""One municipality can never reach another's data: through the ORM, HTTP, sessions, cache,
files or background tasks."""

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django_tenants.utils import schema_context

from tenants.profile.models import Department, Settlement
from tests.two_factor_helpers import second_step


def test_rows_created_in_one_municipality_are_invisible_in_another(alpha, beta):
    with schema_context(alpha.schema_name):
        Settlement.objects.create(name_hy="Միայն Ալֆա", name_en="Alpha only", name_ru="Только Альфа")
        assert Settlement.objects.filter(name_en="Alpha only").exists()
    with schema_context(beta.schema_name):
        assert not Settlement.objects.filter(name_en="Alpha only").exists()
    # Nothing municipal leaks into the public schema either.
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('public.municipal_profile_settlement')")
        assert cursor.fetchone()[0] is None


def test_a_record_shown_on_one_site_is_not_on_another(alpha, beta, client_for):
    with schema_context(alpha.schema_name):
        Department.objects.create(
            code="alpha_secret",
            name_hy="Ալֆայի գաղտնի բաժին",
            name_en="Alpha's secret department",
            name_ru="Секрет Альфы",
        )
    assert (
        "Alpha&#x27;s secret department"
        in client_for("alpha.localhost").get("/contacts/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    assert (
        "secret department"
        not in client_for("beta.localhost").get("/contacts/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )


def test_staff_of_one_municipality_cannot_sign_in_to_another(alpha, beta, client_for):
    response = client_for("beta.localhost").post(
        "/staff/login/", {"username": "admin@alpha.test", "password": "alpha-password-1"}
    )
    assert response.status_code == 200  # the form again, with an error
    assert not response.wsgi_request.user.is_authenticated


def test_a_session_cookie_from_one_municipality_means_nothing_in_another(alpha, beta, client_for):
    alpha_client = client_for("alpha.localhost")
    response = alpha_client.post("/staff/login/", {"username": "admin@alpha.test", "password": "alpha-password-1"})
    assert response.status_code == 302
    second_step(alpha_client, "admin@alpha.test", alpha)
    assert alpha_client.get("/staff/").status_code == 200
    stolen = alpha_client.cookies["sessionid"].value

    beta_client = client_for("beta.localhost")
    beta_client.cookies["sessionid"] = stolen
    response = beta_client.get("/staff/")
    assert response.status_code == 302 and "/staff/login/" in response["Location"]
    # ... and on the ministry console the municipal session is no ministry session.
    console = client_for("localhost")
    console.cookies["sessionid"] = stolen
    assert console.get("/console/").status_code == 302


def test_cache_entries_are_per_municipality(alpha, beta):
    with schema_context(alpha.schema_name):
        connection.set_tenant(alpha)
        cache.set("greeting", "Բարև Ալֆա")
    with schema_context(beta.schema_name):
        connection.set_tenant(beta)
        assert cache.get("greeting") is None
        cache.set("greeting", "Բարև Բետա")
    connection.set_tenant(alpha)
    assert cache.get("greeting") == "Բարև Ալֆա"
    connection.set_schema_to_public()
    assert cache.get("greeting") is None


def test_cache_keys_carry_the_municipality_uuid(alpha):
    from hamaynk.tenancy.cache import make_key

    connection.set_tenant(alpha)
    assert make_key("k", "", 1) == f"{alpha.uuid}::1:k"
    connection.set_schema_to_public()
    assert make_key("k", "", 1) == "platform::1:k"


def test_files_live_under_each_municipality_uuid(alpha, beta, settings):
    connection.set_tenant(alpha)
    name = default_storage.save("profile/note.txt", ContentFile(b"alpha's file"))
    assert default_storage.path(name).startswith(str(settings.MEDIA_ROOT / "municipalities" / str(alpha.uuid)))
    assert default_storage.exists(name)
    # The same storage object, a moment later, in another municipality: the name finds nothing.
    connection.set_tenant(beta)
    assert not default_storage.exists(name)
    with pytest.raises(FileNotFoundError):
        default_storage.open(name)
    assert default_storage.url(name).startswith(f"/media/municipalities/{beta.uuid}/")


def test_the_coat_of_arms_is_served_only_by_its_own_municipality(alpha, beta, client_for):
    from tenants.profile.models import MunicipalProfile

    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
    connection.set_tenant(alpha)
    profile = MunicipalProfile.objects.get()
    profile.coat_of_arms.save("emblem.png", ContentFile(png))
    stored_name = profile.coat_of_arms.name
    connection.set_tenant(beta)
    other = MunicipalProfile.objects.get()
    other.coat_of_arms.name = stored_name  # a copied file name ...
    other.save()
    connection.set_schema_to_public()
    assert client_for("alpha.localhost").get("/coat-of-arms").status_code == 200
    # ... resolves inside beta's own folder, where there is no such file.
    assert client_for("beta.localhost").get("/coat-of-arms").status_code == 404
    connection.set_tenant(beta)
    other.coat_of_arms.name = ""
    other.save()


def test_user_tables_are_per_municipality(alpha, beta):
    with schema_context(alpha.schema_name):
        assert get_user_model().objects.filter(username="admin@alpha.test").exists()
        assert not get_user_model().objects.filter(username="admin@beta.test").exists()
    connection.set_schema_to_public()
    assert not get_user_model().objects.filter(username__in=["admin@alpha.test", "admin@beta.test"]).exists()


def test_logs_name_the_municipality(alpha, capsys):
    import logging

    import structlog

    from hamaynk.tenancy.logging import configure_logging

    configure_logging("json", "INFO")
    try:
        connection.set_tenant(alpha)
        structlog.get_logger("hamaynk.test").info("something.happened", detail=1)
        logging.getLogger("django.test").warning("plain stdlib line")
        connection.set_schema_to_public()
        structlog.get_logger("hamaynk.test").info("platform.happened")
    finally:
        configure_logging("console", "WARNING")
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    import json

    records = [json.loads(line) for line in lines]
    by_event = {r["event"]: r for r in records}
    assert by_event["something.happened"]["municipality"] == str(alpha.uuid)
    assert by_event["something.happened"]["municipality_slug"] == "alpha"
    assert by_event["plain stdlib line"]["municipality"] == str(alpha.uuid)
    assert by_event["platform.happened"]["municipality"] == "platform"


def test_logs_without_a_request_or_django_still_work():
    import logging

    from hamaynk.tenancy.logging import MunicipalityFilter

    record = logging.LogRecord("x", logging.INFO, __file__, 1, "msg", (), None)
    assert MunicipalityFilter().filter(record) and record.municipality == "platform"


def test_code_that_only_sets_a_schema_still_files_and_caches_under_the_municipality(alpha, settings):
    """schema_context() gives the connection a schema, not a Municipality: the prefix and the
    cache scope still come from the municipality, never from the platform's own."""
    from hamaynk.tenancy.cache import make_key

    with schema_context(alpha.schema_name):
        assert make_key("k", "", 1).startswith(f"{alpha.uuid}:")
        name = default_storage.save("profile/schema-only.txt", ContentFile(b"x"))
        assert default_storage.path(name).startswith(str(settings.MEDIA_ROOT / "municipalities" / str(alpha.uuid)))
