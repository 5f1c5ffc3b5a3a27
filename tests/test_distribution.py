"""Citus schema-based sharding is used only where the extension is: here (plain PostgreSQL) the
detection answers False and provisioning creates the schema the plain way."""

from django.db import connection

from provisioning import distribution
from tests.conftest import provision_ok


class RecordingCursor:
    """Answers the extension lookup as a Citus database would and records what it is asked."""

    def __init__(self, has_citus):
        self.has_citus, self.statements = has_citus, []

    def execute(self, sql, params=None):
        self.statements.append((sql, params))

    def fetchone(self):
        return (1,) if self.has_citus else None


def test_plain_postgresql_has_no_citus_and_provisioning_takes_the_plain_path():
    assert distribution.citus_available() is False
    municipality = provision_ok()
    assert distribution.distribute(municipality.schema_name) is False
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = %s", [municipality.schema_name])
        assert cursor.fetchone()[0] > 50  # the whole clone, as always


def test_with_citus_the_new_schema_is_distributed():
    cursor = RecordingCursor(has_citus=True)
    assert distribution.distribute("m_0123", cursor) is True
    assert cursor.statements == [
        (distribution.DETECT, None),
        ("SELECT citus_schema_distribute(%s::regnamespace)", ["m_0123"]),
    ]
    plain = RecordingCursor(has_citus=False)
    assert distribution.distribute("m_0123", plain) is False and plain.statements == [(distribution.DETECT, None)]
