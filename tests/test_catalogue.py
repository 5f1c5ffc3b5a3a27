"""The service catalogue: loaded from the template, shown to citizens in three languages."""
from django_tenants.utils import schema_context

from tenants.catalogue.models import Service


def test_the_template_gives_every_municipality_its_services(alpha):
    with schema_context(alpha.schema_name):
        services = {s.code: s for s in Service.objects.select_related("department")}
        assert len(services) >= 12
        assert [services[f"planning_assignment_{n}"].term_days for n in (2, 3, 4)] == [5, 10, 15]
        assert services["mayor_request"].term_days == 30 and services["mayor_request"].term_kind == "calendar"
        assert services["construction_permit"].department.code == "urban_development"
        permit = services["construction_permit"]
        assert permit.state_name("info_requested") and permit.transition("grant")["decision"] == "granted"
        assert [s["code"] for s in permit.workflow["states"] if s.get("pauses")] == ["info_requested"]


def test_the_public_catalogue_shows_fees_terms_and_documents(alpha, client_for):
    page = client_for("alpha.localhost").get("/services/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Certificate of residence" in page and "5 working days" in page and "free" in page
    detail = client_for("alpha.localhost").get("/services/construction_permit/").content.decode()
    assert "Շինարարության թույլտվություն" in detail and "10000 ֏" in detail and "Նախագծային փաստաթղթեր" in detail
    ru = client_for("alpha.localhost").get("/services/mayor_request/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "30 дней" in ru
