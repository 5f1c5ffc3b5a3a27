"""The audit trail: who changed staff, roles, permissions, API keys, the catalogue and, in the
ministry console, municipalities — recorded through the real pages, never with a secret,
never editable, and never visible from another municipality."""

import json
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from tenants.accounts.models import Role
from tenants.audit.models import AppendOnlyError, Entry
from tenants.catalogue.models import Service
from tenants.registers.models import ApiKey
from tests.conftest import provision_ok

ADMIN, ADMIN_PASSWORD = "admin@alpha.test", "alpha-password-1"


@pytest.fixture(autouse=True)
def _one_factor(settings):
    """These tests are about the audit trail; the second factor has its own tests."""
    settings.TWO_FACTOR_REQUIRED = False


def sign_in(client_for, municipality, username, password):
    client = client_for(municipality.primary_host)
    response = client.post("/staff/login/", {"username": username, "password": password})
    assert response.status_code == 302, response.content[:300]
    return client


def entries(municipality, **filters):
    with schema_context(municipality.schema_name):
        return list(Entry.objects.filter(**filters).order_by("id"))


def public_entries(**filters):
    connection.set_schema_to_public()
    return list(Entry.objects.filter(**filters).order_by("id"))


def role(municipality, code):
    with schema_context(municipality.schema_name):
        return Role.objects.get(code=code)


def user_in(municipality, username):
    with schema_context(municipality.schema_name):
        return get_user_model().objects.get(username=username)


def make_staff(municipality, username, role_code, password="colleague-password-1"):
    with schema_context(municipality.schema_name):
        user = get_user_model().objects.create_user(username, email=username, password=password)
        user.groups.add(Role.objects.get(code=role_code).group)
    return user


def form_data(form, **changes):
    """What a browser would post for `form` as shown, with `changes`."""
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(value, bool) or getattr(field.widget, "input_type", "") == "checkbox":
            if value:
                data[name] = "on"
            continue
        data[name] = "" if value is None else value
    for name, value in changes.items():
        if value is False:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def test_provisioning_records_its_own_writes_as_the_system(alpha):
    administrator = user_in(alpha, ADMIN)
    created = entries(alpha, object_type="auth.user", object_id=str(administrator.pk))
    # (alpha's administrator is given a password by the test fixture, through provisioning too)
    assert sorted(e.action for e in created) == ["create", "password_set", "roles"]
    assert created[0].action == "create"
    assert all(e.actor_kind == "system" and e.actor_id is None and e.address is None for e in created)
    assert next(e for e in created if e.action == "roles").changes == {"roles": {"added": ["administrator"]}}
    mayor = role(alpha, "mayor")
    permissions = entries(alpha, object_type="accounts.role", object_id=str(mayor.pk), action="permissions")
    assert len(permissions) == 1 and permissions[0].actor_kind == "system"
    assert "audit.view_entry" in permissions[0].changes["permissions"]["added"]
    # The municipality's onboarding and activation are the platform's, in the public schema.
    onboarded = public_entries(object_type="tenancy.municipality", object_id=str(alpha.pk))
    assert [e.action for e in onboarded] == ["onboard", "activate"]
    assert not entries(alpha, object_type="tenancy.municipality")


def test_inviting_changing_and_deactivating_a_colleague_is_recorded(client_for, alpha):
    admin = sign_in(client_for, alpha, ADMIN, ADMIN_PASSWORD)
    me = user_in(alpha, ADMIN)
    start = timezone.now()
    mail.outbox.clear()
    response = admin.post(
        "/staff/accounts/invite/",
        {
            "email": "auditee@alpha.test",
            "first_name": "Նարե",
            "last_name": "Սարգսյան",
            "roles": [role(alpha, "front_office").pk],
        },
    )
    assert response.status_code == 302
    colleague = user_in(alpha, "auditee@alpha.test")
    recorded = entries(alpha, object_type="auth.user", object_id=str(colleague.pk), at__gte=start)
    assert [e.action for e in recorded] == ["create", "roles", "invite"]
    for entry in recorded:
        assert (entry.actor_kind, entry.actor_id, entry.actor_label) == ("user", me.pk, ADMIN)
        assert entry.address == "127.0.0.1"
        assert entry.object_label == "Նարե Սարգսյան <auditee@alpha.test>"
    assert recorded[0].changes["email"] == {"old": None, "new": "auditee@alpha.test"}
    assert recorded[1].changes == {"roles": {"added": ["front_office"]}}

    # The colleague chooses a password through the link: recorded as done by the colleague.
    link = next(line for line in mail.outbox[0].body.splitlines() if "/set-password/" in line)
    visitor = client_for(alpha.primary_host)
    form = visitor.get(urlsplit(link).path, follow=True)
    visitor.post(form.redirect_chain[-1][0], {"new_password1": "Barev-dzez-2026", "new_password2": "Barev-dzez-2026"})
    password = entries(alpha, object_id=str(colleague.pk), action="password_set")
    assert len(password) == 1
    assert (password[0].actor_kind, password[0].actor_id) == ("user", colleague.pk)
    assert password[0].changes == {}

    # A change of roles and the loss of access, in one save of the staff form.
    edit = admin.get(f"/staff/accounts/{colleague.pk}/")
    data = form_data(
        edit.context["form"], roles=[role(alpha, "specialist").pk], is_active=False, last_name="Սարգսյան-Պողոսյան"
    )
    assert admin.post(f"/staff/accounts/{colleague.pk}/", data).status_code == 302
    later = entries(
        alpha,
        object_type="auth.user",
        object_id=str(colleague.pk),
        action__in=["deactivate", "roles"],
        id__gt=password[0].id,
    )
    deactivated = next(e for e in later if e.action == "deactivate")
    assert deactivated.changes["is_active"] == {"old": True, "new": False}
    assert deactivated.changes["last_name"] == {"old": "Սարգսյան", "new": "Սարգսյան-Պողոսյան"}
    role_changes = [e.changes["roles"] for e in later if e.action == "roles"]
    assert {"removed": ["front_office"]} in role_changes and {"added": ["specialist"]} in role_changes

    # No secret anywhere: neither the hash nor anything named password.
    with schema_context(alpha.schema_name):
        hashed = get_user_model().objects.get(pk=colleague.pk).password
        stored = json.dumps([e.changes for e in Entry.objects.all()], ensure_ascii=False)
    assert hashed and hashed not in stored and '"password"' not in stored


def test_issuing_and_revoking_an_api_key_is_recorded_without_the_key(client_for, alpha):
    admin = sign_in(client_for, alpha, ADMIN, ADMIN_PASSWORD)
    response = admin.post("/staff/registers/api-keys/", {"name": "Payments gateway", "can_write": "on"})
    assert response.status_code == 200
    plaintext = response.context["issued"]["plaintext"]
    key = response.context["issued"]["key"]
    assert admin.post(f"/staff/registers/api-keys/{key.prefix}/revoke/").status_code == 302
    recorded = entries(alpha, object_type="registers.apikey", object_id=str(key.pk))
    assert [e.action for e in recorded] == ["issue", "revoke"]
    assert recorded[0].changes["name"]["new"] == "Payments gateway"
    assert recorded[0].changes["can_write"]["new"] is True
    assert set(recorded[1].changes) == {"revoked_at"} and recorded[1].changes["revoked_at"]["old"] is None
    assert all(e.actor_label == ADMIN for e in recorded)
    with schema_context(alpha.schema_name):
        hashed = ApiKey.objects.get(pk=key.pk).hashed
    stored = json.dumps([e.changes for e in recorded])
    assert plaintext not in stored and plaintext.rsplit("_", 1)[1] not in stored and hashed not in stored
    assert "hashed" not in stored


def test_the_command_line_revoke_is_recorded_as_the_command_line(alpha):
    from tenants.audit.context import COMMAND, Actor, acting
    from tenants.registers.apikeys import issue_key, revoke

    with schema_context(alpha.schema_name):
        key, _plaintext = issue_key("Night batch")
        with acting(Actor(COMMAND, label="hamaynk apikey")):
            assert revoke(key.prefix) is True
        assert revoke(key.prefix) is False
    revoked = entries(alpha, object_id=str(key.pk), action="revoke")
    assert len(revoked) == 1 and (revoked[0].actor_kind, revoked[0].actor_label) == ("command", "hamaynk apikey")


def test_changing_a_fee_is_recorded_with_old_and_new_values(client_for, alpha):
    admin = sign_in(client_for, alpha, ADMIN, ADMIN_PASSWORD)
    with schema_context(alpha.schema_name):
        service = next(s for s in Service.objects.all() if "fee" not in s.locked)
    edit = admin.get(f"/staff/catalogue/{service.code}/")
    response = admin.post(
        f"/staff/catalogue/{service.code}/", form_data(edit.context["form"], fee_amd=str(service.fee_amd + 2500))
    )
    assert response.status_code == 302
    [changed] = entries(alpha, object_type="catalogue.service", object_id=str(service.pk), action="update")
    assert changed.changes == {"fee_amd": {"old": service.fee_amd, "new": service.fee_amd + 2500}}
    assert changed.actor_label == ADMIN and service.code in changed.object_label

    page = admin.get("/staff/audit/", {"kind": "catalogue.service"}, HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert page.status_code == 200
    assert f"{service.fee_amd} → {service.fee_amd + 2500}" in text and "fee (AMD)" in text


def test_many_to_many_changes_are_caught_in_both_directions(alpha):
    with schema_context(alpha.schema_name):
        user = get_user_model().objects.create_user("m2m@alpha.test", email="m2m@alpha.test")
        editors = Role.objects.get(code="editor")
        permission = Permission.objects.get(content_type__app_label="catalogue", codename="change_service")
        start = Entry.objects.latest("id").id
        user.groups.add(editors.group)
        editors.group.user_set.remove(user)  # the reverse side
        user.groups.set([editors.group])
        user.groups.clear()
        editors.group.permissions.add(permission)
        permission.group_set.remove(editors.group)  # the reverse side
        user.user_permissions.add(permission)
        recorded = list(Entry.objects.filter(id__gt=start).order_by("id"))
    assert [(e.object_type, e.action, e.changes) for e in recorded] == [
        ("auth.user", "roles", {"roles": {"added": ["editor"]}}),
        ("auth.user", "roles", {"roles": {"removed": ["editor"]}}),
        ("auth.user", "roles", {"roles": {"added": ["editor"]}}),
        ("auth.user", "roles", {"roles": {"removed": ["editor"]}}),
        ("accounts.role", "permissions", {"permissions": {"added": ["catalogue.change_service"]}}),
        ("accounts.role", "permissions", {"permissions": {"removed": ["catalogue.change_service"]}}),
        ("auth.user", "permissions", {"permissions": {"added": ["catalogue.change_service"]}}),
    ]
    assert {e.object_id for e in recorded if e.object_type == "accounts.role"} == {str(editors.pk)}
    assert all(e.actor_kind == "system" for e in recorded)  # no request: the system


def test_an_entry_cannot_be_changed_or_deleted(alpha):
    with schema_context(alpha.schema_name):
        entry = Entry.objects.first()
        entry.action = "delete"
        with pytest.raises(AppendOnlyError):
            entry.save()
        with pytest.raises(AppendOnlyError):
            entry.delete()
        with pytest.raises(AppendOnlyError):
            Entry.objects.filter(pk=entry.pk).update(actor_label="someone else")
        with pytest.raises(AppendOnlyError):
            Entry.objects.filter(pk=entry.pk).delete()
        # Below the ORM, the database itself refuses.
        for statement in (
            "UPDATE audit_entry SET actor_label = 'x'",
            "DELETE FROM audit_entry",
            "TRUNCATE audit_entry",
        ):
            with pytest.raises(DatabaseError, match="append-only"):
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(statement)
        assert Entry.objects.get(pk=entry.pk).action != "delete"
        # Deleting a user keeps the entries about them, label included.
        user = get_user_model().objects.create_user("leaving@alpha.test", email="leaving@alpha.test")
        user_id = user.pk
        user.delete()
        assert list(
            Entry.objects.filter(object_type="auth.user", object_id=str(user_id))
            .order_by("id")
            .values_list("action", "object_label")
        ) == [("create", "leaving@alpha.test"), ("delete", "leaving@alpha.test")]


def test_the_page_filters_by_person_date_and_kind(client_for, alpha):
    admin = sign_in(client_for, alpha, ADMIN, ADMIN_PASSWORD)
    me = user_in(alpha, ADMIN)
    admin.post("/staff/registers/api-keys/", {"name": "Filter test key"})
    today = timezone.localdate()

    mine = admin.get("/staff/audit/", {"person": f"user:{me.pk}"})
    assert mine.status_code == 200
    assert mine.context["rows"] and all(r["entry"].actor_id == me.pk for r in mine.context["rows"])
    system = admin.get("/staff/audit/", {"person": "system"})
    assert system.context["rows"] and all(r["entry"].actor_kind == "system" for r in system.context["rows"])

    keys = admin.get(
        "/staff/audit/",
        {"kind": "registers.apikey", "date_from": today.isoformat(), "date_to": today.strftime("%d.%m.%Y")},
    )
    labels = [r["entry"].object_label for r in keys.context["rows"]]
    assert any("Filter test key" in label for label in labels)
    assert all(r["entry"].object_type == "registers.apikey" for r in keys.context["rows"])
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert admin.get("/staff/audit/", {"date_from": tomorrow}).context["rows"] == []
    yesterday = (today - timedelta(days=1)).isoformat()
    assert admin.get("/staff/audit/", {"date_to": yesterday}).context["rows"] == []

    # Newest first, and the pages follow the filter.
    rows = admin.get("/staff/audit/").context["rows"]
    assert [r["entry"].id for r in rows] == sorted((r["entry"].id for r in rows), reverse=True)
    assert rows[0]["entry"].object_label.endswith("Filter test key")
    page = admin.get("/staff/audit/", {"person": "system", "page": "2"})
    assert page.status_code == 200 and all(r["entry"].actor_kind == "system" for r in page.context["rows"])
    assert "person=system" in page.context["query"]


@pytest.mark.parametrize(
    "query, message",
    [
        ({"date_from": "2026-13-45"}, "Enter a real date"),
        ({"date_to": "31.02.2026"}, "Enter a real date"),
        ({"date_from": "0001-01-01"}, "Enter a date between"),
        ({"date_from": "2026-05-02", "date_to": "2026-05-01"}, "before the start date"),
        ({"kind": "auth.permission"}, "Select a valid choice"),
        ({"person": "user:999999999999999999999"}, "Select a valid choice"),
        ({"page": "99999999999999999"}, ""),
    ],
)
def test_bad_filters_get_a_clear_message(client_for, alpha, query, message):
    admin = sign_in(client_for, alpha, ADMIN, ADMIN_PASSWORD)
    response = admin.get("/staff/audit/", query, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert message in response.content.decode()
    if message:
        assert response.context["rows"] == []


def test_a_nul_in_a_filter_is_refused_without_a_server_error(client_for, alpha):
    admin = sign_in(client_for, alpha, ADMIN, ADMIN_PASSWORD)
    for query in ({"person": "user:1\x00"}, {"date_from": "2026-01-01\x00"}, {"kind": "auth.user\x00"}):
        response = admin.get("/staff/audit/", query, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code in (200, 400), response.status_code
        if response.status_code == 200:
            assert response.context["rows"] == [] and response.context["form"].errors


def test_the_page_needs_the_audit_permission(client_for, alpha):
    make_staff(alpha, "operator-audit@alpha.test", "front_office")
    make_staff(alpha, "mayor-audit@alpha.test", "mayor")
    operator = sign_in(client_for, alpha, "operator-audit@alpha.test", "colleague-password-1")
    assert operator.get("/staff/audit/").status_code == 403
    mayor = sign_in(client_for, alpha, "mayor-audit@alpha.test", "colleague-password-1")
    assert mayor.get("/staff/audit/").status_code == 200
    assert client_for(alpha.primary_host).get("/staff/audit/").status_code in (302, 403)  # signed out
    admin = sign_in(client_for, alpha, ADMIN, ADMIN_PASSWORD)
    dashboard = admin.get("/staff/").content.decode()
    assert 'href="/staff/audit/"' in dashboard


def test_the_ministry_console_records_its_actions_in_the_public_schema(client_for, ministry_user, alpha):
    town = provision_ok()
    console = client_for("localhost")
    console.force_login(ministry_user)
    assert console.post(f"/console/m/{town.uuid}/status/", {"status": "suspended"}).status_code == 302
    assert console.post(f"/console/m/{town.uuid}/status/", {"status": "active"}).status_code == 302
    assert console.post(f"/console/m/{town.uuid}/domains/", {"domain": "audit-town.am"}).status_code == 302
    recorded = public_entries(actor_kind="user", actor_id=ministry_user.pk, object_label__contains=town.slug)
    assert [e.action for e in recorded if e.object_type == "tenancy.municipality"] == ["suspend", "resume"]
    suspend = recorded[0]
    assert suspend.changes == {"status": {"old": "active", "new": "suspended"}}
    assert suspend.actor_label == "minister" and suspend.address == "127.0.0.1"
    domains = public_entries(object_type="tenancy.domain", object_label="audit-town.am")
    assert [(e.action, e.actor_id) for e in domains] == [("domain_added", ministry_user.pk)]

    page = console.get(
        "/console/audit/",
        {"kind": "tenancy.municipality", "person": f"user:{ministry_user.pk}"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert page.status_code == 200
    shown = [r["entry"].id for r in page.context["rows"]]
    assert suspend.id in shown and all(r["entry"].object_type == "tenancy.municipality" for r in page.context["rows"])
    assert "Active → Suspended" in page.content.decode()
    assert client_for("localhost").get("/console/audit/").status_code == 302  # to the console's sign-in

    # The console's entries are in no municipality, and the municipality's own are not in the console's.
    for municipality in (town, alpha):
        assert not entries(municipality, object_type__startswith="tenancy.")
        assert not entries(municipality, actor_label="minister")
    assert not public_entries(object_type="catalogue.service")


def test_one_municipality_never_sees_another_municipalitys_entries(client_for, alpha, beta):
    with schema_context(beta.schema_name):
        Group.objects.create(name="beta-only-auditors")
    assert entries(beta, object_label="beta-only-auditors")
    assert not entries(alpha, object_label="beta-only-auditors")
    admin = sign_in(client_for, alpha, ADMIN, ADMIN_PASSWORD)
    page = admin.get("/staff/audit/", {"kind": "auth.group"})
    assert page.status_code == 200 and "beta-only-auditors" not in page.content.decode()
    # Alpha's filter of people names only those who acted in alpha.
    people = [str(label) for _value, label in page.context["form"].fields["person"].choices]
    assert ADMIN in people and "admin@beta.test" not in people


def test_a_newly_provisioned_municipality_has_an_audit_trail_of_its_own(client_for):
    town = provision_ok()
    recorded = entries(town)
    assert recorded and all(e.actor_kind == "system" for e in recorded)
    administrator = town.provisioning_runs.first().request["admin_email"]
    assert {e.object_label for e in recorded if e.object_type == "auth.user"} == {administrator}
    # The copy kept the database's guard.
    with schema_context(town.schema_name):
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("DELETE FROM audit_entry")
        assert Entry.objects.count() == len(recorded)
