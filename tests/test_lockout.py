"""Guessing passwords: a user name is locked after a few wrong tries, per municipality."""

from django.test.utils import override_settings

from tests.conftest import provision_ok
from tests.registers_helpers import staff_user


@override_settings(AXES_FAILURE_LIMIT=3)
def test_wrong_passwords_lock_the_user_name_in_that_municipality_only(client_for):
    town, other = provision_ok(), provision_ok()
    staff_user(town, "guessed@lock.test", "secretary", password="right-password-1")
    staff_user(other, "guessed@lock.test", "secretary", password="right-password-1")
    client = client_for(town.primary_host)
    for _ in range(3):
        client.post("/staff/login/", {"username": "guessed@lock.test", "password": "wrong"})
    locked = client.post(
        "/staff/login/", {"username": "guessed@lock.test", "password": "right-password-1"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert locked.status_code == 429 or locked.status_code == 403
    assert "Too many wrong passwords" in locked.content.decode()
    # The same person at another municipality, and another user here, are not affected.
    elsewhere = client_for(other.primary_host).post(
        "/staff/login/", {"username": "guessed@lock.test", "password": "right-password-1"}
    )
    assert elsewhere.status_code == 302


@override_settings(AXES_FAILURE_LIMIT=3)
def test_the_ministry_console_locks_too(client_for, ministry_user):
    client = client_for("localhost")
    for _ in range(3):
        client.post("/console/login/", {"username": "minister", "password": "wrong"})
    locked = client.post("/console/login/", {"username": "minister", "password": "minister-password-1"})
    assert locked.status_code in (403, 429)
    from axes.utils import reset

    reset(username="minister")
