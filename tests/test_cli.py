"""The `hamaynk` command line: provision (flags, CSV), migrate-all, golden."""

import re
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from hamaynk.tenancy.models import Municipality
from tests.conftest import onboarding_csv, provision_ok


def test_provision_one_from_flags(capsys):
    call_command(
        "provision",
        "--slug",
        "flagtown",
        "--name-hy",
        "Դրոշ",
        "--name-en",
        "Flagtown",
        "--name-ru",
        "Флагтаун",
        "--region",
        "shirak",
        "--settlements",
        "Դրոշ|Flag|Флаг; Գյուղ",
        "--admin-email",
        "boss@flagtown.test",
    )
    out = capsys.readouterr().out
    assert re.search(r"flagtown: created — http://flagtown\.localhost(:\d+)?/ in ", out)
    assert re.search(r"set-password link: http://flagtown\.localhost(:\d+)?/staff/set-password/", out)
    assert "Summary: 1 created" in out
    assert Municipality.objects.get(slug="flagtown").status == "active"


def test_provision_many_from_csv_with_a_summary_and_a_bad_row(tmp_path, capsys):
    path = onboarding_csv(
        tmp_path / "batch.csv",
        ["csv-one", "Առաջին", "First", "Первый", "lori", "Առաջին|First|Первый", "a@one.test"],
        ["www", "Վատ", "Bad", "Плохой", "lori", "", "a@bad.test"],
        ["csv-two", "Երկրորդ", "Second", "Второй", "lori", "", "a@two.test"],
    )
    with pytest.raises(CommandError):
        call_command("provision", "--csv", str(path))
    out = capsys.readouterr().out
    assert "www: failed — slug: “www” is reserved by the platform." in out
    assert "Summary: 2 created, 0 queued, 0 already active, 1 failed (of 3)." in out
    assert set(Municipality.objects.filter(slug__startswith="csv-").values_list("status", flat=True)) == {"active"}

    # Running the same file again creates nothing twice.
    with pytest.raises(CommandError):
        call_command("provision", "--csv", str(path))
    assert "Summary: 0 created, 0 queued, 2 already active, 1 failed (of 3)." in capsys.readouterr().out


def test_a_csv_without_the_needed_columns_is_refused(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("slug,name\nx,y\n", encoding="utf-8")
    with pytest.raises(CommandError, match="missing column"):
        call_command("provision", "--csv", str(path))


def test_migrate_all_reports_every_schema_and_does_not_stop_at_a_failure(alpha, beta, capsys):
    broken = provision_ok()
    # Make one schema's migration history lie: migrate will try to create existing tables.
    with connection.cursor() as cursor:
        cursor.execute(f'DELETE FROM "{broken.schema_name}".django_migrations WHERE app = %s', ["workcalendar"])
    try:
        with pytest.raises(CommandError):
            call_command("migrate_municipalities", "--workers", "3")
        out = capsys.readouterr().out
        lines = {line.split()[1]: line for line in out.splitlines() if line.startswith(("ok", "FAILED"))}
        assert lines[broken.slug].startswith("FAILED") and "already exists" in lines[broken.slug]
        assert lines["alpha"].startswith("ok") and lines["beta"].startswith("ok")
        active = Municipality.objects.filter(status__in=["active", "suspended"]).count()
        assert f"{active - 1} migrated, 1 failed, of {active} schemas." in out
    finally:
        connection.set_schema_to_public()
        broken.status = Municipality.Status.ARCHIVED
        broken.save()


def test_the_hamaynk_console_script_runs_template_check():
    result = subprocess.run(
        [sys.executable, "-m", "hamaynk.cli", "template", "check", "provisioning/templates/armenia-community"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "valid" in result.stdout


def test_golden_status_reports_the_current_schema(capsys):
    call_command("golden", "status")
    assert "hamaynk_golden: current" in capsys.readouterr().out
