"""migrate-all at scale: one survey finds what each schema lacks, up-to-date schemas are not
touched, schemas behind by the same schema-neutral migrations get one shared set of statements,
and a failing schema is retried and reported while the others go on."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from hamaynk.tenancy.models import Municipality
from provisioning import golden, migrations_all
from tests.conftest import provision_ok

# An additive migration of a tenant app: one AddField (a JSON column with a default).
ADDITIVE = ("catalogue", "0002_decision_record")


def _behind(municipality):
    """Puts the schema back to before ADDITIVE: its column dropped, its record gone."""
    schema = municipality.schema_name
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE "{schema}".catalogue_service DROP COLUMN record')
        cursor.execute(f'DELETE FROM "{schema}".django_migrations WHERE app = %s AND name = %s', list(ADDITIVE))


def _records(schema, key=ADDITIVE):
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{schema}".django_migrations WHERE app = %s AND name = %s', list(key))
        return cursor.fetchone()[0]


def _archive(*municipalities):
    connection.set_schema_to_public()
    Municipality.objects.filter(pk__in=[m.pk for m in municipalities]).update(status=Municipality.Status.ARCHIVED)


def test_with_nothing_pending_no_schema_is_migrated(alpha, beta, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("Django's migrate ran in an up-to-date schema")

    monkeypatch.setattr(migrations_all, "migrate_schema", refuse)
    results = migrations_all.migrate_all(workers=2)
    by_slug = {r.slug: r for r in results}
    assert by_slug["alpha"].ok and by_slug["alpha"].how == "up to date"
    assert all(r.ok for r in results), [r for r in results if not r.ok]
    assert {r.how for r in results} == {"up to date"}


def test_the_survey_names_exactly_what_each_schema_lacks(alpha):
    town = provision_ok()
    try:
        _behind(town)
        connection.set_schema_to_public()
        found = migrations_all.survey([town.schema_name, alpha.schema_name, "no_such_schema"], golden.golden_name())
        assert found.pending[town.schema_name] == (ADDITIVE,)
        assert found.pending[alpha.schema_name] == ()
        assert found.pending["no_such_schema"] is None  # left to Django's migrate, which reports it
        assert ADDITIVE in found.expected
    finally:
        _archive(town)


def test_an_additive_migration_is_applied_once_as_shared_sql_and_leaves_the_schema_as_the_golden_one(alpha):
    towns = [provision_ok(), provision_ok()]
    try:
        for town in towns:
            _behind(town)
        connection.set_schema_to_public()
        assert golden.schema_fingerprint(towns[0].schema_name) != golden.schema_fingerprint(golden.golden_name())
        alpha_records = _records(alpha.schema_name)

        results = {r.schema: r for r in migrations_all.migrate_all(workers=2)}

        for town in towns:
            result = results[town.schema_name]
            assert result.ok and result.how == "sql" and result.pending == 1, result
            assert _records(town.schema_name) == 1
            connection.set_schema_to_public()
            assert golden.schema_fingerprint(town.schema_name) == golden.schema_fingerprint(golden.golden_name())
        # The statements ran in the schemas that lacked them and nowhere else.
        assert results[alpha.schema_name].how == "up to date"
        assert _records(alpha.schema_name) == alpha_records == 1
    finally:
        _archive(*towns)


def test_a_migration_that_is_not_schema_neutral_goes_through_djangos_migrate():
    keys = (("workcalendar", "0002_national_calendar_from_package"),)  # has a RunPython
    assert migrations_all.shared_sql(keys, golden.golden_name()) is None
    statements = migrations_all.shared_sql((ADDITIVE,), golden.golden_name())
    assert statements and all('"catalogue_service"' in s for s in statements)
    assert not any(golden.golden_name() in s for s in statements)


def test_a_failing_schema_is_retried_and_reported_while_the_others_are_migrated(capsys):
    good, bad = provision_ok(), provision_ok()
    try:
        _behind(good)
        # The record says the migration is missing, but its column is there: the shared statement
        # fails, and so does Django's migrate on the retry.
        with connection.cursor() as cursor:
            cursor.execute(
                f'DELETE FROM "{bad.schema_name}".django_migrations WHERE app = %s AND name = %s', list(ADDITIVE)
            )
        connection.set_schema_to_public()
        with pytest.raises(CommandError):
            call_command("migrate_municipalities", "--workers", "2")
        out = capsys.readouterr().out
        lines = {line.split()[1]: line for line in out.splitlines() if line.startswith(("ok", "FAILED"))}
        assert lines[good.slug].startswith("ok") and "1 applied (sql)" in lines[good.slug]
        assert lines[bad.slug].startswith("FAILED") and "already exists" in lines[bad.slug]
        assert "schemas checked against the golden schema's" in out
        assert _records(good.schema_name) == 1 and _records(bad.schema_name) == 0
        active = Municipality.objects.filter(status__in=["active", "suspended"]).count()
        assert f"{active - 1} migrated, 1 failed, of {active} schemas." in out
    finally:
        _archive(good, bad)
