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


def test_staff_change_fees_and_texts_but_not_what_the_template_locks(client_for):
    from tests.conftest import provision_ok
    from tests.registers_helpers import signed_in

    town = provision_ok()
    admin = signed_in(client_for, town, "catalogue-admin@town.test", "administrator")
    page = admin.get("/staff/catalogue/planning_assignment_2/")
    data = {k: v for k, v in page.context["form"].initial.items() if v is not None}
    data.update(
        {
            "fee_amd": "7000",
            "term_days": "30",
            "online": "on",
            "at_window": "on",
            "is_active": "on",
            "name_en": "Planning assignment (category II, low risk)",
        }
    )
    assert admin.post("/staff/catalogue/planning_assignment_2/", data).status_code == 302
    with schema_context(town.schema_name):
        service = Service.objects.get(code="planning_assignment_2")
        assert service.fee_amd == 7000 and service.name_en.endswith("low risk)")
        assert service.term_days == 5  # locked by the template: the posted 30 is ignored
    data.update({"online": "", "at_window": ""})
    response = admin.post("/staff/catalogue/planning_assignment_2/", data, HTTP_ACCEPT_LANGUAGE="en")
    assert "online, at the window, or both" in response.content.decode()
    operator = signed_in(client_for, town, "catalogue-op@town.test", "front_office")
    assert operator.get("/staff/catalogue/planning_assignment_2/").status_code == 403
