"""Signed out, without a permission, with an expired form: what a person sees on the staff area's
and the console's pages. A signed-out visitor (an expired session, a bookmark) is sent to sign in
and back on every staff URL, the console's included, read from the URL confs so that a new view
is caught; a signed-in person without the permission gets the styled, translated 403 page; a form
sent without its CSRF token gets the styled page too; and hosts still being set up say so."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django_tenants.utils import schema_context

from hamaynk.permissions import requirement_of
from hamaynk.tenancy.models import Municipality
from tests.conftest import provision_ok
from tests.registers_helpers import signed_in

PARAMETER = re.compile(r"<(?:(\w+):)?(\w+)>")
SAMPLE = {"int": "1", "str": "sample", "slug": "sample", "path": "sample"}  # uuid: the municipality's own


@pytest.fixture(autouse=True)
def _one_factor(settings):
    settings.TWO_FACTOR_REQUIRED = False


def routes(urlconf, prefixes):
    """(route, view) of every pattern of `urlconf` that starts with one of `prefixes`, in the order
    Django tries them (the first of a route is the one that answers)."""
    found = {}

    def walk(patterns, prefix):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.startswith(prefixes):
                found.setdefault(route, pattern.callback)

    walk(get_resolver(urlconf).url_patterns, "")
    return found


def console_routes():
    """Every route of the platform domain's URL conf under console/, but the sign-in's own."""
    open_paths = ("console/login/", "console/logout/", "console/two-factor/")
    return [route for route in routes("hamaynk.urls_public", ("console/",)) if not route.startswith(open_paths)]


def staff_routes():
    """Every route of a municipality's staff area that is not open before sign-in."""
    found = routes("hamaynk.urls_municipal", ("staff/",))
    return [route for route, view in found.items() if getattr(requirement_of(view), "kind", None) != "public"]


def sample_url(route, municipality):
    def value(match):
        converter = match.group(1) or "str"
        return str(municipality.uuid) if converter == "uuid" else SAMPLE[converter]

    return "/" + PARAMETER.sub(value, route)


def assert_sent_to_sign_in(response, url, login):
    assert response.status_code == 302, (url, response.status_code)
    location = urlsplit(response["Location"])
    assert location.path == login, (url, response["Location"])
    assert parse_qs(location.query)["next"] == [url], (url, response["Location"])


def test_every_console_url_sends_a_signed_out_visitor_to_sign_in_and_back(alpha, client_for):
    routes = console_routes()
    assert len(routes) >= 15, routes
    anonymous = client_for("localhost")
    for route in routes:
        url = sample_url(route, alpha)
        assert_sent_to_sign_in(anonymous.get(url), url, "/console/login/")


def test_an_expired_session_on_any_staff_url_is_sent_to_sign_in_and_back(alpha, client_for):
    """Signed in, then the session ends on the server (expired, signed out elsewhere): the old
    cookie opens nothing, and every staff URL, the access log, catalogue, accounts and profile
    pages among them, leads to the sign-in form with the way back, never to a bare 403. The
    values of the path's parameters do not matter: nothing is looked up before the sign-in."""
    client = signed_in(client_for, alpha, "expired@access.test", "administrator")
    assert client.get("/staff/audit/").status_code == 200
    with schema_context(alpha.schema_name):
        Session.objects.filter(session_key=client.session.session_key).delete()
    found = staff_routes()
    assert len(found) >= 35, found
    for route in found:
        url = sample_url(route, alpha)
        response = client.get(url)
        assert response.status_code != 403, url
        assert_sent_to_sign_in(response, url, "/staff/login/")
    sections = {route.split("/")[1] for route in found}
    assert {"audit", "catalogue", "accounts", "profile"} <= sections, sections


def test_a_signed_in_person_without_the_permission_gets_the_styled_403_page(alpha, client_for):
    client = signed_in(client_for, alpha, "no-audit@access.test", "specialist")
    for path in ("/staff/audit/", "/staff/catalogue/", "/staff/accounts/", "/staff/profile/"):
        response = client.get(path)
        assert response.status_code == 403, path
        html = response.content.decode()
        assert "Դուք չեք կարող բացել այս էջը" in html, path  # "You may not open this page"
        assert "no-audit@access.test" in html
        assert 'href="/staff/"' in html  # back to the dashboard
        assert 'href="/staff/login/"' not in html  # a signed-in person is not sent to sign in again
    english = client.get("/staff/audit/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "ask your municipality's administrator" in english


def test_a_console_account_that_is_not_ministry_staff_gets_the_403_page_not_a_sign_in_loop(client_for):
    user, _ = get_user_model().objects.get_or_create(username="visitor@access.test", defaults={"is_staff": False})
    client = client_for("localhost")
    client.force_login(user)
    response = client.get("/console/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "Դուք չեք կարող բացել այս էջը" in html
    assert 'href="/console/"' in html


def test_a_form_without_its_csrf_token_gets_the_styled_page(alpha, ministry_user):
    for host, path in (
        (alpha.primary_host, "/staff/login/"),
        (alpha.primary_host, "/apply/residence_certificate/"),
        ("localhost", "/console/login/"),
    ):
        client = Client(HTTP_HOST=host, enforce_csrf_checks=True)
        response = client.post(path, {"username": "x", "password": "y"})
        assert response.status_code == 403, (host, path)
        html = response.content.decode()
        assert "Ձևաթուղթը հնացել է" in html, (host, path)  # "The form has expired"
        assert "CSRF" not in html  # the reason is for developers
        assert f'href="{path}"' in html
        assert '<html lang="hy">' in html


def test_a_municipality_still_being_set_up_says_so_and_asks_to_come_back(client_for):
    municipality = provision_ok()
    set_status(municipality, Municipality.Status.PROVISIONING)
    response = client_for(municipality.primary_host).get("/staff/")
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    html = response.content.decode()
    assert "Կայքը ստեղծվում է" in html  # "The site is being set up"
    assert municipality.primary_host in html
    english = client_for(municipality.primary_host).get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "try again in a minute" in english
    assert "There is no municipality at this address" not in english
    unknown = client_for("nobody-here.localhost").get("/")
    assert unknown.status_code == 404 and "Կայքը ստեղծվում է" not in unknown.content.decode()
    set_status(municipality, Municipality.Status.ACTIVE)


def set_status(municipality, status):
    """Saved, so that the host lookups forget it at once (as the console's change does)."""
    municipality.status = status
    municipality.save()


def test_a_view_that_refuses_a_signed_out_visitor_by_itself_still_sends_them_to_sign_in(alpha):
    """The 403 handler is the net under the decorators: a staff view that raised PermissionDenied
    for a signed-out visitor on its own leads to the sign-in form too; on the public website the
    visitor gets the 403 page without any talk of roles."""
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import PermissionDenied
    from django.test import RequestFactory
    from django.utils import translation

    from hamaynk.errors import permission_denied

    factory = RequestFactory(HTTP_HOST=alpha.primary_host)
    request = factory.get("/staff/somewhere/?page=2")
    request.user, request.tenant = AnonymousUser(), alpha
    assert_sent_to_sign_in(permission_denied(request, PermissionDenied()), "/staff/somewhere/?page=2", "/staff/login/")
    request = factory.get("/news/")
    request.user, request.tenant = AnonymousUser(), alpha
    with translation.override("en"):
        response = permission_denied(request, PermissionDenied())
    html = response.content.decode()
    assert response.status_code == 403 and "You may not open this page" in html
    assert "role" not in html and 'href="/"' in html
