"""Clone correctness: a copied schema equals a migrated one, and owns its keys and references."""

from django.db import connection
from django_tenants.utils import schema_context

from provisioning import golden
from tenants.profile.models import Department


def test_the_copy_has_exactly_the_structure_of_the_golden_schema(alpha):
    assert golden.schema_fingerprint(alpha.schema_name) == golden.schema_fingerprint(golden.golden_name())


def test_the_copy_equals_a_schema_built_by_replaying_migrations(alpha):
    replayed = "replayed_for_comparison"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {replayed} CASCADE; CREATE SCHEMA {replayed}")
    try:
        golden.migrate_schema(replayed)
        connection.set_schema_to_public()
        assert golden.schema_fingerprint(alpha.schema_name) == golden.schema_fingerprint(replayed)
    finally:
        connection.set_schema_to_public()
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {replayed} CASCADE")


def test_inserts_get_their_own_keys_in_each_municipality(alpha, beta):
    ids = {}
    for municipality in (alpha, beta):
        with schema_context(municipality.schema_name):
            highest = max(Department.objects.values_list("id", flat=True))
            department = Department.objects.create(
                code=f"new_{municipality.slug}", name_hy="Նոր", name_en="New", name_ru="Новый"
            )
            assert department.id > highest  # the sequence moved past the template's rows
            ids[municipality.slug] = department.id
    # Each schema counts on its own: the second insert did not consume the first one's sequence.
    assert ids["alpha"] == ids["beta"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_value FROM hamaynk_golden.municipal_profile_department_id_seq")
        assert cursor.fetchone()[0] <= ids["alpha"] - 1


def test_no_sequence_default_or_foreign_key_points_into_another_schema(alpha):
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT con.conname, ref_ns.nspname
            FROM pg_constraint con
            JOIN pg_class ref ON ref.oid = con.confrelid
            JOIN pg_namespace ref_ns ON ref_ns.oid = ref.relnamespace
            WHERE con.contype = 'f' AND con.connamespace = %s::regnamespace""",
            [alpha.schema_name],
        )
        targets = cursor.fetchall()
        assert targets, "the schema has foreign keys to check"
        assert {schema for _name, schema in targets} == {alpha.schema_name}

        cursor.execute(
            """
            SELECT c.relname, a.attname, pg_get_serial_sequence(
                       quote_ident(n.nspname) || '.' || quote_ident(c.relname), a.attname)
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = %s AND a.attidentity <> ''""",
            [alpha.schema_name],
        )
        sequences = cursor.fetchall()
        assert sequences
        assert all(seq.startswith(f"{alpha.schema_name}.") for _t, _c, seq in sequences)

        cursor.execute(
            """
            SELECT count(*) FROM pg_attrdef d JOIN pg_class c ON c.oid = d.adrelid
            WHERE c.relnamespace = %s::regnamespace
              AND pg_get_expr(d.adbin, d.adrelid) LIKE %s""",
            [alpha.schema_name, f"%{golden.golden_name()}%"],
        )
        assert cursor.fetchone()[0] == 0


def test_content_type_ids_agree_between_schemas(alpha, beta):
    """Django caches content types per process, not per schema: the ids must be the same."""
    rows = {}
    for municipality in (alpha, beta):
        with schema_context(municipality.schema_name), connection.cursor() as cursor:
            cursor.execute("SELECT id, app_label, model FROM django_content_type ORDER BY id")
            rows[municipality.slug] = cursor.fetchall()
    assert rows["alpha"] == rows["beta"] and rows["alpha"]


def test_a_stale_golden_schema_is_refused_with_a_clear_message(monkeypatch):
    import pytest

    from provisioning.pipeline import submit
    from tests.conftest import make_request

    monkeypatch.setattr(golden, "migrations_digest", lambda: "a-newer-release")
    with pytest.raises(golden.GoldenSchemaError, match="hamaynk golden build"):
        submit(make_request())
