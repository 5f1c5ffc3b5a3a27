"""The administrator invites colleagues, gives them roles and can take access away."""

from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from django.core import mail
from django_tenants.utils import schema_context

from tenants.accounts.models import Role
from tests.conftest import provision_ok
from tests.two_factor_helpers import second_step


def sign_in(client_for, host, username, password):
    client = client_for(host)
    assert client.post("/staff/login/", {"username": username, "password": password}).status_code == 302
    return second_step(client, username, host)


def role_id(municipality, code):
    with schema_context(municipality.schema_name):
        return Role.objects.get(code=code).pk


def test_an_invited_colleague_chooses_a_password_and_has_the_role_given(client_for):
    town = provision_ok(admin_password="town-admin-password")
    host = town.primary_host
    admin = sign_in(client_for, host, town.provisioning_runs.first().request["admin_email"], "town-admin-password")
    mail.outbox.clear()
    response = admin.post(
        "/staff/accounts/invite/",
        {
            "email": "Operator@Town.test",
            "first_name": "Անի",
            "last_name": "Պետրոսյան",
            "roles": [role_id(town, "front_office")],
        },
    )
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["operator@town.test"]
    link = next(line for line in mail.outbox[0].body.splitlines() if "/set-password/" in line)

    colleague = client_for(host)
    form = colleague.get(urlsplit(link).path, follow=True)
    assert form.context["validlink"]
    colleague.post(form.redirect_chain[-1][0], {"new_password1": "Barev-dzez-2026", "new_password2": "Barev-dzez-2026"})
    colleague = sign_in(client_for, host, "operator@town.test", "Barev-dzez-2026")
    assert colleague.get("/staff/").status_code == 200
    assert colleague.get("/staff/accounts/invite/").status_code == 403  # operators do not invite
    assert colleague.get("/staff/profile/").status_code == 403
    with schema_context(town.schema_name):
        user = get_user_model().objects.get(username="operator@town.test")
        assert user.first_name == "Անի"
        assert user.has_perm("municipal_profile.view_department")


def test_bad_invitations_are_refused_and_create_nothing(client_for):
    town = provision_ok(admin_password="town-admin-password")
    admin = sign_in(
        client_for, town.primary_host, town.provisioning_runs.first().request["admin_email"], "town-admin-password"
    )
    with schema_context(town.schema_name):
        before = get_user_model().objects.count()
    existing = town.provisioning_runs.first().request["admin_email"]
    for data, message in [
        (
            {"email": existing, "first_name": "Ա", "last_name": "Բ", "roles": [role_id(town, "editor")]},
            "already exists",
        ),
        (
            {"email": "not an email", "first_name": "Ա", "last_name": "Բ", "roles": [role_id(town, "editor")]},
            "valid email",
        ),
        ({"email": "x@town.test", "first_name": "Ա", "last_name": "Բ", "roles": []}, "required"),
    ]:
        response = admin.post("/staff/accounts/invite/", data, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200 and message in response.content.decode()
    with schema_context(town.schema_name):
        assert get_user_model().objects.count() == before


def test_access_can_be_taken_away_but_never_from_the_last_administrator(client_for):
    town = provision_ok(admin_password="town-admin-password")
    admin_email = town.provisioning_runs.first().request["admin_email"]
    admin = sign_in(client_for, town.primary_host, admin_email, "town-admin-password")
    with schema_context(town.schema_name):
        clerk = get_user_model().objects.create_user(
            "clerk@town.test", email="clerk@town.test", password="clerk-password-1"
        )
        me = get_user_model().objects.get(username=admin_email)
    response = admin.post(
        f"/staff/accounts/{clerk.pk}/",
        {"email": "clerk@town.test", "first_name": "Ա", "last_name": "Բ", "roles": [role_id(town, "specialist")]},
    )  # is_active unticked
    assert response.status_code == 302
    assert (
        client_for(town.primary_host)
        .post("/staff/login/", {"username": "clerk@town.test", "password": "clerk-password-1"})
        .status_code
        == 200
    )

    response = admin.post(
        f"/staff/accounts/{me.pk}/",
        {
            "email": admin_email,
            "last_name": "Ադմին",
            "is_active": "on",
            "first_name": "Ադմին",
            "roles": [role_id(town, "editor")],
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "at least one active administrator" in response.content.decode()
    with schema_context(town.schema_name):
        assert get_user_model().objects.get(pk=me.pk).groups.filter(role__is_administrator=True).exists()
