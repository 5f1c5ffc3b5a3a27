"""Inviting and changing staff members. An invitation is an account without a password and a
one-time link to choose one, sent by email after the transaction commits."""

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string

from tenants.audit.models import Entry
from tenants.audit.recorder import record

from .administrators import set_password_path


def invite(data, municipality):
    user = get_user_model().objects.create_user(
        username=data["email"],
        email=data["email"],
        first_name=data["first_name"],
        last_name=data["last_name"],
        password=None,
    )
    user.groups.set([role.group for role in data["roles"]])
    user.departments.set(data.get("departments", []))
    link = municipality.site_url(set_password_path(user))
    record(user, Entry.Action.INVITE, {"email": {"old": None, "new": user.email}})
    context = {"municipality": municipality, "link": link, "user": user}
    transaction.on_commit(
        lambda: send_mail(
            subject=render_to_string("accounts/invitation_subject.txt", context).strip(),
            message=render_to_string("accounts/invitation.txt", context),
            from_email=None,
            recipient_list=[user.email],
        )
    )
    return user, link


def update(user, data):
    user.username = user.email = data["email"]
    user.first_name = data["first_name"]
    user.last_name = data["last_name"]
    user.is_active = data["is_active"]
    user.save()
    user.groups.set([role.group for role in data["roles"]])
    if "departments" in data:
        user.departments.set(data["departments"])
