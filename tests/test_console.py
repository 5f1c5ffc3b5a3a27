"""The ministry console without a browser: access, status changes, domains, a lost dispatch."""

import datetime

from django.utils import timezone

from hamaynk.tenancy.models import Domain, Municipality
from provisioning.models import ProvisioningRun
from tests.conftest import provision_ok
from tests.two_factor_helpers import verified_login


def console(client_for, user):
    return verified_login(client_for("localhost"), user)


def test_the_console_requires_a_ministry_account(client_for, alpha):
    from django.contrib.auth import get_user_model

    assert client_for("localhost").get("/console/").status_code == 302
    clerk = get_user_model().objects.create_user("not-staff", password="x-password-123")
    # Signed in but not the ministry's staff: the 403 page, not the sign-in form again.
    response = console(client_for, clerk).get("/console/")
    assert response.status_code == 403 and "hamaynk/forbidden.html" in [t.name for t in response.templates]
    # A municipal administrator's credentials are unknown to the platform.
    response = client_for("localhost").post(
        "/console/login/", {"username": "admin@alpha.test", "password": "alpha-password-1"}
    )
    assert response.status_code == 200 and not response.wsgi_request.user.is_authenticated


def test_the_list_shows_every_municipality_with_its_status(client_for, ministry_user, alpha):
    html = console(client_for, ministry_user).get("/console/?status=active", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-slug="alpha"' in html and "status-active" in html


def test_suspend_and_reactivate_from_the_console(client_for, ministry_user):
    municipality = provision_ok()
    client = console(client_for, ministry_user)
    client.post(f"/console/m/{municipality.uuid}/status/", {"status": "suspended"})
    assert client_for(municipality.primary_host).get("/").status_code == 503
    client.post(f"/console/m/{municipality.uuid}/status/", {"status": "active"})
    assert client_for(municipality.primary_host).get("/").status_code == 200
    # Not allowed: back to provisioning, or anything after archiving.
    client.post(f"/console/m/{municipality.uuid}/status/", {"status": "provisioning"})
    municipality.refresh_from_db()
    assert municipality.status == "active"


def test_adding_a_domain_of_its_own(client_for, ministry_user, alpha, beta):
    client = console(client_for, ministry_user)
    client.post(f"/console/m/{alpha.uuid}/domains/", {"domain": "Alpha-Town.AM"})
    assert client_for("alpha-town.am").get("/").status_code == 200
    # The same domain for another municipality, and nonsense, are refused with a message.
    response = client.post(
        f"/console/m/{beta.uuid}/domains/", {"domain": "alpha-town.am"}, follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "already in use" in response.content.decode()
    response = client.post(
        f"/console/m/{beta.uuid}/domains/", {"domain": "no spaces.am"}, follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "is not a valid domain name" in response.content.decode()
    assert Domain.objects.get(domain="alpha-town.am").tenant == alpha


def test_an_onboarding_accepted_while_the_broker_is_down_is_not_lost(
    client_for, ministry_user, celery_worker, monkeypatch
):
    from kombu.exceptions import OperationalError

    from provisioning.tasks import provision_municipality, resume_stalled_runs

    def broker_down(*args, **kwargs):
        raise OperationalError("[Errno 111] Connection refused")

    client = console(client_for, ministry_user)
    with monkeypatch.context() as patch:
        patch.setattr(provision_municipality, "delay", broker_down)
        response = client.post(
            "/console/onboard/",
            {
                "slug": "lost-and-found",
                "name_hy": "Գտնված",
                "name_en": "Found",
                "name_ru": "Найдено",
                "region": "lori",
                "admin_email": "admin@found.test",
                "template": "armenia-community",
            },
        )
    assert response.status_code == 302
    run = ProvisioningRun.objects.get(municipality__slug="lost-and-found")
    assert run.state == ProvisioningRun.State.PENDING
    ProvisioningRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=5))
    assert resume_stalled_runs() >= 1
    import time

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.state == ProvisioningRun.State.DONE:
            break
        time.sleep(0.2)
    assert run.state == ProvisioningRun.State.DONE
    assert Municipality.objects.get(slug="lost-and-found").status == "active"
