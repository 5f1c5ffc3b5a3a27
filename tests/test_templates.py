"""Templates are validated before anything is created, and every problem names its place."""

import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hamaynk.tenancy.models import Municipality
from provisioning.pipeline import submit
from provisioning.template_format import InvalidTemplate, load_template
from tests.conftest import make_request

SOURCE = Path(__file__).resolve().parents[1] / "provisioning" / "templates" / "armenia-community"


@pytest.fixture
def template_copy(tmp_path):
    folder = tmp_path / "armenia-community"
    shutil.copytree(SOURCE, folder)
    return folder


def problems_of(folder):
    with pytest.raises(InvalidTemplate) as caught:
        load_template(folder)
    return [(p.file, p.path, p.reason) for p in caught.value.problems]


def test_the_shipped_template_is_valid_and_has_real_content():
    template = load_template(SOURCE)
    assert template.name == "armenia-community"
    assert template.version == "1.0.0"
    assert set(template.sections) == {
        "accounts",
        "budget",
        "catalogue",
        "profile",
        "registers",
        "website",
        "workcalendar",
    }
    assert len(template.sections["accounts"]["roles"]) >= 5
    assert len(template.sections["profile"]["departments"]) >= 6
    # National holidays come from the maintained calendar of the template's country.
    assert template.sections["workcalendar"]["country"] == "AM"
    assert template.sections["workcalendar"]["weekend"] == [6, 7]


def test_template_check_command_accepts_the_shipped_template(capsys):
    call_command("template", "check", str(SOURCE))
    assert "armenia-community 1.0.0: valid" in capsys.readouterr().out


def test_broken_yaml_is_reported_with_file_and_line(template_copy):
    (template_copy / "profile.yaml").write_text("working_hours: [\n  - days: [1\n", encoding="utf-8")
    problems = problems_of(template_copy)
    assert problems[0][0] == "profile.yaml"
    assert problems[0][1].startswith("line ")
    assert "not valid YAML" in problems[0][2]


def test_schema_violations_name_the_path(template_copy):
    text = (template_copy / "profile.yaml").read_text(encoding="utf-8")
    (template_copy / "profile.yaml").write_text(text.replace('opens: "09:00"', 'opens: "9 am"'), encoding="utf-8")
    problems = problems_of(template_copy)
    assert ("profile.yaml", "working_hours[0].opens") == problems[0][:2]
    assert "does not match" in problems[0][2]


def test_checks_beyond_the_schema(template_copy):
    accounts = (template_copy / "accounts.yaml").read_text(encoding="utf-8")
    accounts = accounts.replace(
        "- workcalendar.view_holiday\n  - code: front_office", "- workcalendar.fly_to_the_moon\n  - code: front_office"
    )
    (template_copy / "accounts.yaml").write_text(accounts, encoding="utf-8")
    (template_copy / "weather.yaml").write_text("sunny: true\n", encoding="utf-8")
    (template_copy / "workcalendar.yaml").unlink()
    problems = problems_of(template_copy)
    files = {p[0] for p in problems}
    assert {"accounts.yaml", "weather.yaml", "workcalendar.yaml"} <= files
    unknown = [p for p in problems if p[0] == "accounts.yaml"][0]
    assert "unknown permission 'workcalendar.fly_to_the_moon'" in unknown[2]
    assert unknown[1].startswith("roles[2].permissions[")
    assert [p for p in problems if p[0] == "workcalendar.yaml"][0][2].startswith("missing")


def test_template_check_command_reports_each_problem(template_copy, capsys):
    (template_copy / "template.yaml").write_text("name: other-name\nversion: one\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("template", "check", str(template_copy))
    err = capsys.readouterr().err
    assert "template.yaml: version: 'one' does not match" in err
    assert "template.yaml: (top): 'title' is a required property" in err
    assert "differs from the folder name" in err


def test_provisioning_refuses_an_invalid_template_before_creating_anything(template_copy, settings):
    (template_copy / "accounts.yaml").write_text("roles: []\n", encoding="utf-8")
    settings.PROVISIONING_TEMPLATES_DIR = template_copy.parent
    before = Municipality.objects.count()
    with pytest.raises(InvalidTemplate):
        submit(make_request())
    assert Municipality.objects.count() == before


def test_dates_stay_iso_text_and_are_checked(template_copy):
    path = template_copy / "workcalendar.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "dated: []",
        "dated:\n  - {date: 2026-06-01, kind: working_day, name: {hy: Ա, en: A, ru: А}}\n"
        "  - {date: 2026-02-30, name: {hy: Բ, en: B, ru: Б}}",
    )
    path.write_text(text, encoding="utf-8")
    problems = problems_of(template_copy)
    assert problems == [("workcalendar.yaml", "dated[1].date", "'2026-02-30' is not a 'date'")]
