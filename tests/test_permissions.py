"""Who may open which staff page, and which reads of an application go to the personal-data log.

The matrix walks every URL of the municipal URL conf under /staff/ and the Wagtail admin's entry
point, so a new view cannot slip through. What a view requires is read from the view itself
(`hamaynk.permissions.requires`); what each role holds is read from the template's YAML, so the
expectation comes from neither the test nor the code under test alone."""

import re
from pathlib import Path

import pytest
import yaml
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail import send_mail
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from django_tenants.utils import schema_context

from hamaynk import mail_outbox
from hamaynk.permissions import requirement_of
from tenants.accounts.models import Role
from tenants.cases import workflow
from tenants.cases.models import Case, CaseFile
from tenants.catalogue.models import Service
from tenants.registers import files, services
from tenants.registers.apikeys import issue_key
from tenants.registers.models import PersonalDataAccess, Register, RegisterPermission
from tenants.webhooks import services as webhook_services
from tenants.workcalendar.models import Holiday
from tests.registers_helpers import signed_in, staff_user

TEMPLATE = Path(__file__).resolve().parent.parent / "provisioning" / "templates" / "armenia-community"
ROLES = yaml.safe_load((TEMPLATE / "accounts.yaml").read_text(encoding="utf-8"))["roles"]
REGISTERS = {
    r["code"]: r for r in yaml.safe_load((TEMPLATE / "registers.yaml").read_text(encoding="utf-8"))["registers"]
}
PDF = b"%PDF-1.7\n%hamaynk\n"
RESIDENCE = {
    "psn": "1234509876",
    "last_name": "Պետրոսյան",
    "first_name": "Անի",
    "address": "Կենտրոն, Բաղրամյան, 11, 4",
    "purpose": "Բանկ",
}
APPLICANT = {"name": "Անի Պետրոսյան", "email": "ani@example.am", "phone": "+374 91 000000", "language": "hy"}


@pytest.fixture(scope="module")
def outbox_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("outbox")


@pytest.fixture(autouse=True)
def _one_factor(settings, outbox_dir):
    """The matrix is about permissions; the second sign-in factor has tests of its own. The local
    outbox is on, so that its pages (404s under any other email backend) are walked too."""
    settings.TWO_FACTOR_REQUIRED = False
    settings.EMAIL_BACKEND = mail_outbox.BACKEND
    settings.EMAIL_OUTBOX_DIR = str(outbox_dir)


# The URL conf ------------------------------------------------------------------------------------


def staff_patterns():
    """(route, url name, view) of every staff URL: under staff/ and the admin's entry point."""
    found, seen = [], set()

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                inner = (
                    f"{namespace}:{pattern.namespace}"
                    if namespace and pattern.namespace
                    else pattern.namespace or namespace
                )
                walk(pattern.url_patterns, route, inner)
            elif isinstance(pattern, URLPattern) and (route.startswith("staff/") or route == "cms/"):
                if route in seen:  # Django resolves the first pattern of a route; so does the test
                    continue
                seen.add(route)
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                found.append((route, name, pattern.callback))

    walk(get_resolver("hamaynk.urls_municipal").url_patterns, "", "")
    return found


def declared_patterns():
    """The staff URLs whose view declares a requirement (the others fail the test above)."""
    return [(route, name, view) for route, name, view in staff_patterns() if requirement_of(view) is not None]


PARAMETER = re.compile(r"<(?:(\w+):)?(\w+)>")


def urls_for(route, name, objects):
    """The route with real values of alpha for its parameters: one URL, or one per register for
    the register-wide pages, so each register's own permissions are checked."""
    names = PARAMETER.findall(route)
    if not names:
        return [("/" + route, {})]
    namespace = name.split(":")[0]
    choices = []
    for _converter, parameter in names:
        key = f"{namespace}.{parameter}"
        if key not in objects:
            raise AssertionError(f"no value of alpha for <{parameter}> of {name} ({route}): add one to the test")
        choices.append((parameter, objects[key]))
    combos = [{}]
    for parameter, values in choices:
        values = values if isinstance(values, list) else [values]
        combos = [{**combo, parameter: value} for combo in combos for value in values]
    urls = []
    for combo in combos:
        if name in RECORD_VIEWS and combo.get("code") != objects["registers.record_register"]:
            continue  # a record's pages are walked with the register that holds the record
        url = PARAMETER.sub(lambda m, c=combo: str(c[m.group(2)]), route)
        urls.append(("/" + url, combo))
    return urls


RECORD_VIEWS = {"registers:detail", "registers:edit", "registers:file"}


@pytest.fixture(scope="module")
def objects(alpha, outbox_dir):
    """Real objects of alpha for every path parameter of a staff URL."""
    with override_settings(EMAIL_BACKEND=mail_outbox.BACKEND, EMAIL_OUTBOX_DIR=str(outbox_dir)):
        with schema_context(alpha.schema_name):
            send_mail("Matrix", "text", None, ["matrix@example.am"])
        (message,) = mail_outbox.messages(alpha.schema_name)
    with schema_context(alpha.schema_name):
        residence = Service.objects.get(code="residence_certificate")
        case = workflow.submit(residence, RESIDENCE, applicant=APPLICANT, channel="window")
        stored = files.store(f"cases/{case.year}/{case.number}", SimpleUploadedFile("passport.pdf", PDF))
        document = CaseFile.objects.create(case=case, kind=CaseFile.Kind.APPLICATION, **stored)
        attachment = files.store("registers/council_decisions", SimpleUploadedFile("decision.pdf", PDF))
        record = services.create(
            "council_decisions",
            {
                "number": "N 77",
                "date": "2026-04-01",
                "title": "Որոշում",
                "status": "adopted",
                "published": True,
                "attachment": attachment,
            },
        )
        own_day, _ = Holiday.objects.get_or_create(
            date="2031-08-15", defaults={"name_hy": "Ստուգման օր", "name_en": "Matrix Day", "name_ru": "День проверки"}
        )
        key, _secret = issue_key("matrix")
        hook, _secret = webhook_services.create(
            {"name": "matrix", "url": "https://93.184.216.34/hook", "event_types": ["case.decided"], "region": ""}
        )
        user = staff_user(alpha, "colleague@matrix.test", "specialist")
        values = {
            "cases.pk": case.pk,
            "cases.file_id": document.pk,
            "catalogue.code": residence.code,
            "registers.code": list(Register.objects.values_list("code", flat=True)),
            "registers.record_register": "council_decisions",
            "registers.record_uuid": record.uuid,
            "registers.field": "attachment",
            "registers.fmt": "csv",
            "registers.prefix": key.prefix,
            "accounts.pk": user.pk,
            "budget.year": 2026,
            "workcalendar.pk": own_day.pk,
            "webhooks.pk": hook.pk,
            "outbox.message_id": message.id,
        }
    yield values
    with schema_context(alpha.schema_name):  # alpha is shared by the session: leave its calendar as found
        Holiday.objects.filter(pk=own_day.pk).delete()
        hook.delete()


# What the template gives ------------------------------------------------------------------------


def role_holds(role, requirement, kwargs):
    """Whether the template gives `role` what `requirement` asks, read from the YAML files."""
    if requirement.kind == "signed_in":
        return True
    if requirement.kind == "permission":
        return "*" in role["permissions"] or requirement.name in role["permissions"]
    if requirement.kind == "custom" and requirement.name.startswith("registers:"):
        action = requirement.name.split(":")[1]
        given = REGISTERS[kwargs["code"]].get("permissions", {}).get(role["code"], [])
        return role.get("administrator", False) or action in given
    raise AssertionError(f"the test does not know the requirement {requirement!r}: teach role_holds()")


def test_every_staff_view_declares_what_it_requires():
    patterns = staff_patterns()
    assert len(patterns) >= 35, [p[0] for p in patterns]
    assert "cms/" in {route for route, _name, _view in patterns}
    undeclared = [f"/{route} ({name})" for route, name, view in patterns if requirement_of(view) is None]
    assert not undeclared, f"staff views that declare no requirement: {undeclared}"


def test_anonymous_visitors_are_sent_to_sign_in_from_every_staff_url(alpha, objects, client_for):
    anonymous = client_for(alpha.primary_host)
    checked = 0
    for route, name, view in declared_patterns():
        if requirement_of(view).kind == "public":
            continue
        for url, _kwargs in urls_for(route, name, objects):
            response = anonymous.get(url)
            assert response.status_code == 302, (url, response.status_code)
            assert response["Location"].startswith("/staff/login/?next="), (url, response["Location"])
            checked += 1
    assert checked >= 60


def test_every_role_gets_exactly_the_staff_urls_its_permissions_allow(alpha, objects, client_for):
    seen = {"allowed": 0, "refused": 0}
    for role in ROLES:
        client = signed_in(client_for, alpha, f"{role['code']}@matrix.test", role["code"])
        for route, name, view in declared_patterns():
            requirement = requirement_of(view)
            if requirement.kind == "public":
                continue
            for url, kwargs in urls_for(route, name, objects):
                response = client.get(url)
                status = response.status_code
                if role_holds(role, requirement, kwargs):
                    # The page, a download, the view's own redirect, or 405 for a POST-only action.
                    assert status in (200, 302, 405), (role["code"], url, status)
                    if status == 302:
                        assert not response["Location"].startswith("/staff/login/"), (role["code"], url)
                    seen["allowed"] += 1
                else:
                    assert status == 403, (role["code"], url, str(requirement), status)
                    seen["refused"] += 1
                if hasattr(response, "streaming_content"):
                    b"".join(response.streaming_content)
                response.close()
    assert seen["allowed"] > 100 and seen["refused"] > 100, seen


def test_the_template_gives_applications_to_the_roles_that_work_on_them():
    by_code = {role["code"]: set(role["permissions"]) for role in ROLES}
    readers = {code for code, permissions in by_code.items() if {"*", "cases.view_case"} & permissions}
    assert readers == {"administrator", "mayor", "secretary", "front_office", "specialist", "department_head"}
    registrars = {code for code, permissions in by_code.items() if {"*", "cases.add_case"} & permissions}
    assert registrars == {"administrator", "front_office"}


def test_a_registers_only_clerk_reads_registers_and_no_application(alpha, objects, client_for):
    with schema_context(alpha.schema_name):
        group, _ = Group.objects.get_or_create(name="registry_clerk")
        role, _ = Role.objects.get_or_create(
            code="registry_clerk",
            defaults={"group": group, "name_hy": "Ռեգիստրավար", "name_en": "Registry clerk", "name_ru": "Регистратор"},
        )
        RegisterPermission.objects.get_or_create(
            register=Register.objects.get(code="residents"), role=role, defaults={"can_view": True}
        )
    clerk = signed_in(client_for, alpha, "clerk@matrix.test", "registry_clerk")
    assert clerk.get("/staff/registers/residents/").status_code == 200
    assert clerk.get("/staff/registers/streets/").status_code == 403
    for url in (
        "/staff/cases/",
        f"/staff/cases/{objects['cases.pk']}/",
        f"/staff/cases/{objects['cases.pk']}/receipt.pdf",
        f"/staff/cases/{objects['cases.pk']}/files/{objects['cases.file_id']}",
        "/staff/cases/kpis/",
        "/staff/cases/kpis.csv",
        "/staff/cases/new/",
        "/cms/",
    ):
        assert clerk.get(url).status_code == 403, url


def test_acting_on_a_case_keeps_the_workflows_role_check(alpha, client_for):
    """A mayor reads applications but takes no step the workflow gives to others."""
    with schema_context(alpha.schema_name):
        case = workflow.submit(
            Service.objects.get(code="residence_certificate"),
            {**RESIDENCE, "psn": "1000000501"},
            applicant=APPLICANT,
            channel="window",
        )
    mayor = signed_in(client_for, alpha, "mayor-act@matrix.test", "mayor")
    assert mayor.get(f"/staff/cases/{case.pk}/").status_code == 200
    mayor.post(f"/staff/cases/{case.pk}/act/", {"action": "accept"})
    with schema_context(alpha.schema_name):
        assert Case.objects.get(pk=case.pk).state == "submitted"
    operator = signed_in(client_for, alpha, "operator-act@matrix.test", "front_office")
    assert operator.post(f"/staff/cases/{case.pk}/act/", {"action": "accept"}).status_code == 302
    with schema_context(alpha.schema_name):
        assert Case.objects.get(pk=case.pk).state == "in_review"


# Reads of applications in the personal-data log --------------------------------------------------


def test_reading_an_application_with_a_personal_identifier_is_logged(alpha, objects, client_for):
    specialist = signed_in(client_for, alpha, "reader@matrix.test", "specialist")
    pk, file_id = objects["cases.pk"], objects["cases.file_id"]
    with schema_context(alpha.schema_name):
        before = PersonalDataAccess.objects.filter(case_id=pk).count()
        reader = specialist.get("/staff/").wsgi_request.user
    assert specialist.get(f"/staff/cases/{pk}/").status_code == 200
    assert specialist.get(f"/staff/cases/{pk}/receipt.pdf").status_code == 200
    download = specialist.get(f"/staff/cases/{pk}/files/{file_id}")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    with schema_context(alpha.schema_name):
        entries = list(PersonalDataAccess.objects.filter(case_id=pk).order_by("id")[before:])
        case = Case.objects.get(pk=pk)
    assert [e.what for e in entries] == ["page", "receipt", "file:passport.pdf"]
    for entry in entries:
        assert entry.person_ids == ["1234509876"] and entry.user_id == reader.pk
        assert entry.case_number == case.reg_number and entry.channel == "staff" and entry.register_code == ""
    # The access log shows them to whoever keeps it, found by the person's identifier.
    administrator = signed_in(client_for, alpha, "log-admin@matrix.test", "administrator")
    page = administrator.get(
        "/staff/registers/access-log/", {"person": "1234509876"}, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert f"Application {case.reg_number}" in page and "(receipt)" in page
    assert f'href="/staff/cases/{pk}/"' in page


def test_an_application_without_a_personal_identifier_leaves_no_entry(alpha, client_for):
    with schema_context(alpha.schema_name):
        request_to_mayor = Service.objects.get(code="mayor_request")
        assert not any(t.personal for t in request_to_mayor.form_fields.values())
        fields = {
            code: "Խնդրում եմ վերանորոգել փողոցի լուսավորությունը"
            for code, t in request_to_mayor.form_fields.items()
            if t.spec.get("required")
        }
        case = workflow.submit(request_to_mayor, fields, applicant=APPLICANT, channel="window")
    head = signed_in(client_for, alpha, "head-read@matrix.test", "department_head")
    assert head.get(f"/staff/cases/{case.pk}/").status_code == 200
    with schema_context(alpha.schema_name):
        assert not PersonalDataAccess.objects.filter(case_id=case.pk).exists()


def test_case_reads_stay_out_of_a_registers_usage_report(alpha, objects, client_for):
    """myPersonalDataUsage answers for one register: an application read is not a read of it."""
    specialist = signed_in(client_for, alpha, "usage@matrix.test", "specialist")
    assert specialist.get(f"/staff/cases/{objects['cases.pk']}/").status_code == 200
    with schema_context(alpha.schema_name):
        logged = PersonalDataAccess.objects.filter(person_ids__contains=["1234509876"])
        assert logged.exists()
        assert not logged.filter(register_code="residents").exists()


def test_the_log_of_one_municipality_never_shows_anothers_reads(alpha, beta, objects, client_for):
    reader = signed_in(client_for, alpha, "iso-reader@matrix.test", "specialist")
    assert reader.get(f"/staff/cases/{objects['cases.pk']}/").status_code == 200
    with schema_context(beta.schema_name):
        assert not PersonalDataAccess.objects.filter(person_ids__contains=["1234509876"]).exists()
    theirs = signed_in(client_for, beta, "iso-admin@matrix.test", "administrator")
    page = theirs.get("/staff/registers/access-log/", {"person": "1234509876"}).content.decode()
    assert 'id="access-log"' in page and "/staff/cases/" not in page
