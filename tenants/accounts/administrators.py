"""The first administrator of a new municipality, who sets a password through a one-time link."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .models import Role


def create_first_administrator(email, first_name="", last_name=""):
    """Creates (or finds) the administrator; returns the user and the set-password path.

    The password stays unusable until the person follows the link. Django's token covers the
    password hash and last login, so the link stops working once it has been used.
    """
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=email.lower(),
        defaults={"email": email.lower(), "first_name": first_name, "last_name": last_name},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    role = Role.objects.get(is_administrator=True)
    user.groups.add(role.group)
    return user, set_password_path(user)


def set_password_path(user):
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return reverse("set_password", kwargs={"uidb64": uid, "token": token}, urlconf=settings.ROOT_URLCONF)
