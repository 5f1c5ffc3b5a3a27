"""Hosts: municipalities, the ministry console, unknown hosts, suspended and archived sites."""

import time

from django.db import connection
from django.test.utils import CaptureQueriesContext

from hamaynk.tenancy import routing
from hamaynk.tenancy.models import Domain, Municipality
from tests.conftest import provision_ok


def test_a_municipality_answers_on_its_subdomain(alpha, client_for):
    response = client_for("alpha.localhost").get("/")
    assert response.status_code == 200
    assert "Համայնք alpha" in response.content.decode()


def test_the_platform_domain_is_the_ministry_console(client_for):
    response = client_for("localhost").get("/console/")
    assert response.status_code == 302 and "/console/login/" in response["Location"]


def test_an_unknown_host_gets_a_404_page_never_another_site(alpha, client_for):
    for host in ("nowhere.localhost", "alpha.localhost.evil.test", "localhost.evil.test"):
        response = client_for(host).get("/")
        assert response.status_code == 404
        assert "Համայնք alpha" not in response.content.decode()
    response = client_for("nowhere.localhost").get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert "There is no municipality at this address" in response.content.decode()


def test_extra_domains_reach_the_municipality(client_for):
    municipality = provision_ok(extra_domains=["www.extra-town.am", "extra-town.am"])
    for host in ("extra-town.am", "www.extra-town.am"):
        response = client_for(host).get("/")
        assert response.status_code == 200, host
        assert municipality.name_hy in response.content.decode()


def test_a_suspended_municipality_shows_503_to_everyone_and_comes_back(client_for):
    municipality = provision_ok()
    host = municipality.primary_host
    assert client_for(host).get("/").status_code == 200  # now cached
    municipality.status = Municipality.Status.SUSPENDED
    municipality.save()
    for path in ("/", "/staff/", "/staff/login/"):
        response = client_for(host).get(path)
        assert response.status_code == 503
        assert response["Retry-After"]
    assert "temporarily unavailable" in client_for(host).get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    municipality.status = Municipality.Status.ACTIVE
    municipality.save()
    assert client_for(host).get("/").status_code == 200


def test_an_archived_municipality_is_gone(client_for):
    municipality = provision_ok()
    municipality.status = Municipality.Status.ARCHIVED
    municipality.save()
    assert client_for(municipality.primary_host).get("/").status_code == 410


def test_the_host_lookup_costs_no_query_once_cached(alpha, client_for):
    client = client_for("alpha.localhost")
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    assert not [q for q in queries.captured_queries if "tenancy_domain" in q["sql"]]


def test_a_new_domain_is_seen_at_once(alpha, client_for):
    assert client_for("alpha-new.example.am").get("/").status_code == 404  # cached as unknown
    Domain.objects.create(domain="alpha-new.example.am", tenant=alpha, is_primary=False)
    assert client_for("alpha-new.example.am").get("/").status_code == 200


def test_a_change_made_by_another_process_reaches_this_one_within_the_memo_time(settings, client_for):
    """Each process keeps a host's municipality for HOST_MEMO_SECONDS in front of the shared
    cache; another process's change (here: made behind both caches' backs, as a process sharing
    neither would see it) shows once that time is over."""
    from django.core.cache import cache

    settings.HOST_MEMO_SECONDS = 0.5
    municipality = provision_ok()
    host = municipality.primary_host
    assert client_for(host).get("/").status_code == 200  # kept in this process and in the cache
    Municipality.objects.filter(pk=municipality.pk).update(status=Municipality.Status.SUSPENDED)
    cache.delete(routing._key(host))
    assert client_for(host).get("/").status_code == 200  # still the memo's
    time.sleep(0.6)
    assert client_for(host).get("/").status_code == 503


def test_the_memo_hands_out_copies(alpha):
    first = routing.lookup("alpha.localhost")
    first.domain_url = "somewhere.else"
    first.name_hy = "changed"
    again = routing.lookup("alpha.localhost")
    assert again is not first and again.name_hy == alpha.name_hy


def test_unknown_hosts_are_not_kept_in_the_memo(alpha):
    before = len(routing._memo)
    for n in range(50):
        assert routing.lookup(f"made-up-{n}.localhost") is None
    assert len(routing._memo) == before
