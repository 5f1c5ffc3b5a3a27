"""`hamaynk run`'s first start: demo municipalities with working logins, once."""

import io

from django.contrib.auth import get_user_model
from django_tenants.utils import schema_context

from hamaynk import devserver
from hamaynk.tenancy.models import Municipality


def test_first_start_provisions_the_demo_municipalities_once(client_for):
    out = io.StringIO()
    rows = devserver._first_start(out)
    assert [row["slug"] for row in rows] == ["aparan", "dilijan", "goris"]
    assert out.getvalue().count("provisioned") == 3
    assert out.getvalue().count("demo records") == 3
    for row in rows:
        municipality = Municipality.objects.get(slug=row["slug"])
        assert municipality.status == "active"
        with schema_context(municipality.schema_name):
            assert get_user_model().objects.get(username=row["admin_email"]).check_password(devserver.DEMO_PASSWORD)
    assert get_user_model().objects.get(username=devserver.MINISTRY_USER).is_staff
    goris = client_for("goris.localhost")
    assert "Գորիս" in goris.get("/").content.decode()
    assert "Խնձորեսկ" in goris.get("/contacts/").content.decode()
    assert "բյուջեն հաստատելու մասին" in goris.get("/decisions/").content.decode()
    assert 'data-direction="expenditure"' in goris.get("/budget/").content.decode()
    assert out.getvalue().count("demo budget") == 3
    with schema_context(Municipality.objects.get(slug="goris").schema_name):
        from tenants.registers.services import records

        assert records("residents").count() == 400
        assert records("buildings").count() == 25
        from tenants.cases.models import Case

        assert Case.objects.count() == 25 and Case.objects.filter(closed_at__isnull=False).exists()
        assert Case.objects.filter(state="info_requested").exists()

    again = io.StringIO()
    devserver._first_start(again)
    assert "provisioned" not in again.getvalue()


def test_the_demo_logins_pass_the_second_step_with_the_printed_key(client_for):
    devserver._first_start(io.StringIO())
    from tests.two_factor_helpers import current_totp

    staff = client_for("aparan.localhost")
    assert (
        staff.post("/staff/login/", {"username": "admin@aparan.demo", "password": devserver.DEMO_PASSWORD}).status_code
        == 302
    )
    assert staff.get("/staff/")["Location"].startswith("/staff/two-factor/?")
    code = current_totp(devserver.DEMO_TOTP_KEY)
    assert staff.post("/staff/two-factor/", {"code": code}).status_code == 302
    assert staff.get("/staff/").status_code == 200
    # The ministry's own device is in the public schema; the same key gives the same code there.
    console = client_for("localhost")
    console.post("/console/login/", {"username": devserver.MINISTRY_USER, "password": devserver.DEMO_PASSWORD})
    assert console.post("/console/two-factor/", {"code": code}).status_code == 302
    assert console.get("/console/").status_code == 200


def test_every_login_the_readme_lists_is_one_run_makes_and_prints_and_it_signs_in(client_for):
    import re
    from pathlib import Path

    from tests.two_factor_helpers import current_totp

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    listed = re.findall(r"^\| [^|]+ \| http://([a-z.]*)localhost:8000/[^|]*\| `([^`]+)` / `([^`]+)` \|$", readme, re.M)
    rows = devserver._first_start(io.StringIO())
    printed = {("", devserver.MINISTRY_USER)} | {(row["slug"] + ".", row["admin_email"]) for row in rows}
    assert {(host, user) for host, user, _password in listed} == printed
    assert {password for _host, _user, password in listed} == {devserver.DEMO_PASSWORD}
    assert f"`{devserver.DEMO_TOTP_KEY}`" in readme
    from django_otp.plugins.otp_totp.models import TOTPDevice

    code = current_totp(devserver.DEMO_TOTP_KEY)
    for host, user, password in listed:
        client = client_for(f"{host}localhost")
        schema = Municipality.objects.get(slug=host.rstrip(".")).schema_name if host else "public"
        with schema_context(schema):  # the previous test may have used this code already: no replay refusal here
            TOTPDevice.objects.filter(user__username=user, name="demo").update(last_t=-1)
        if host:
            assert client.post("/staff/login/", {"username": user, "password": password}).status_code == 302
            assert client.post("/staff/two-factor/", {"code": code}).status_code == 302
            assert client.get("/staff/").status_code == 200, user
        else:
            assert client.post("/console/login/", {"username": user, "password": password}).status_code == 302
            assert client.post("/console/two-factor/", {"code": code}).status_code == 302
            assert client.get("/console/").status_code == 200
