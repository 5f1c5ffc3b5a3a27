"""Onboarding refuses what would make a second, confusing municipality: a name already used in
the region, settlements typed with commas, a subdomain another municipality has (in the console,
the CLI and a CSV); the subdomain's help text shows the address being made."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hamaynk.tenancy.models import Municipality
from provisioning.pipeline import AlreadyProvisioned, RequestInvalid, submit
from tests.conftest import make_request, onboarding_csv, provision_ok
from tests.two_factor_helpers import verified_login


def form(**overrides):
    return {
        "slug": "checks-town",
        "name_hy": "Ստուգում",
        "name_en": "Checks",
        "name_ru": "Проверка",
        "region": "kotayk",
        "settlements": "Ստուգում|Checks|Проверка",
        "admin_email": "admin@checks.test",
        "template": "armenia-community",
        **overrides,
    }


def test_a_name_already_used_in_the_region_is_refused_and_the_same_name_elsewhere_is_not(alpha):
    errors = make_request("second-alpha", names=alpha_names(alpha), region=alpha.region.code).errors()
    assert errors["name_hy"] == [
        f"This region already has a municipality named “{alpha.name_hy}” ({alpha.primary_host})."
    ]
    other_region = "shirak" if alpha.region.code != "shirak" else "lori"
    assert "name_hy" not in make_request("alpha-west", names=alpha_names(alpha), region=other_region).errors()


def alpha_names(municipality):
    return {"hy": municipality.name_hy, "en": "Alpha two", "ru": "Альфа два"}


def test_settlements_typed_with_commas_are_refused_with_what_to_do():
    errors = make_request(settlements=[{"hy": "Ապարան, Քասախ", "en": "Aparan, Kasakh", "ru": "Апаран"}]).errors()
    assert len(errors["settlements"]) == 1
    assert "“Ապարան, Քասախ | Aparan, Kasakh | Апаран” has a comma" in errors["settlements"][0]
    assert "settlements" not in make_request().errors()


def test_a_subdomain_of_another_municipality_is_an_error_and_the_same_request_again_is_not(alpha):
    with pytest.raises(RequestInvalid) as refused:
        submit(make_request("alpha", names={"hy": "Ուրիշ համայնք", "en": "Another", "ru": "Другая"}))
    assert refused.value.errors["slug"] == [f"The subdomain “alpha” is already taken by {alpha.name_hy}."]
    town = provision_ok()
    with pytest.raises(AlreadyProvisioned):
        submit(make_request(town.slug))  # the same municipality: a batch run again


def test_a_csv_with_a_slug_twice_or_another_municipalitys_slug_reports_each_as_failed(alpha, tmp_path, capsys):
    path = onboarding_csv(
        tmp_path / "batch.csv",
        ["dup-one", "Կրկնակի", "Double", "Двойной", "lori", "", "a@dup.test"],
        ["dup-one", "Ուրիշ", "Other", "Другой", "lori", "", "a@other.test"],
        ["alpha", "Ալֆա-2", "Alpha 2", "Альфа 2", "lori", "", "a@alpha2.test"],
    )
    with pytest.raises(CommandError):
        call_command("provision", "--csv", str(path))
    out = capsys.readouterr().out
    assert "dup-one: failed — slug: The subdomain “dup-one” is already taken by Կրկնակի." in out
    assert "alpha: failed — slug: The subdomain “alpha” is already taken by" in out
    assert "Summary: 1 created, 0 queued, 0 already active, 2 failed (of 3)." in out
    assert Municipality.objects.get(slug="dup-one").name_en == "Double"


def test_the_console_shows_every_onboarding_problem_and_the_address_being_made(alpha, client_for, ministry_user):
    client = verified_login(client_for("localhost"), ministry_user)
    page = client.get("/console/onboard/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "the site will be at aparan.localhost" in page and "console-onboard.js" in page

    response = client.post(
        "/console/onboard/",
        form(
            slug="Nor-Town",
            name_hy=alpha.name_hy,
            region=alpha.region.code,
            settlements="Նոր, Հին",
        ),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "The subdomain must be in lower case." in html
    assert "the site will be at nor-town.localhost" in html
    assert "This region already has a municipality named" in html
    assert "has a comma" in html
    assert not Municipality.objects.filter(slug__in=["nor-town", "Nor-Town"]).exists()
