"""Shared helpers for the registers tests."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django_tenants.utils import schema_context

from tests.two_factor_helpers import second_step


def staff_user(municipality, username, role, password="staff-password-1"):
    with schema_context(municipality.schema_name):
        user, _ = get_user_model().objects.get_or_create(username=username, defaults={"email": username})
        user.set_password(password)
        user.save()
        user.groups.set([Group.objects.get(name=role)])
    return user


def signed_in(client_for, municipality, username, role, password="staff-password-1"):
    staff_user(municipality, username, role, password)
    client = client_for(municipality.primary_host)
    response = client.post("/staff/login/", {"username": username, "password": password})
    assert response.status_code == 302, response.content
    return second_step(client, username, municipality)


def resident(n, **overrides):
    data = {
        "psn": f"{1000000000 + n}",
        "last_name": "Պետրոսյան",
        "first_name": "Արամ",
        "patronymic": "Սուրենի",
        "birth_date": "1980-05-17",
        "sex": "male",
        "status": "registered",
        "address": {"settlement": "Կենտրոն", "street": "Բաղրամյան", "building": str(n % 90 + 1), "apartment": ""},
    }
    data.update(overrides)
    return data
