"""Generated input on the pages people use: the public forms (online application, tracking,
verification, the email-confirmation link, the public register search) and the staff list
filters (case inbox, register lists and exports, the access log, key figures and their CSV).

Hypothesis makes the text: NUL and other control characters, any unicode a browser can send
(no lone surrogates, which no form can carry), very long strings and integers far beyond 64
bits. Whatever it sends, the answer is never a 5xx (the test client raises the view's exception
if there is one) and nothing is half-written: an application that was not accepted leaves no
pending application, no case and no stored file behind.

Derandomized and without the shrinking phase, so a CI run is repeatable and bounded."""

import string

import pytest
from django_tenants.utils import schema_context
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tenants.cases.models import Case, PendingApplication
from tenants.catalogue.models import Service
from tests.registers_helpers import staff_user
from tests.two_factor_helpers import verified_login

FORM_SETTINGS = settings(
    max_examples=40,
    derandomize=True,
    deadline=None,
    database=None,
    print_blob=False,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)

# Text a browser or a script can send: no lone surrogates (UTF-8 cannot encode them).
UNICODE = st.characters(codec="utf-8")
CONTROL = st.sampled_from(
    [
        "\x00",
        "\x01",
        "\x07",
        "\x08",
        "\x0b",
        "\x0c",
        "\x1b",
        "\x7f",
        "\r",
        "\n",
        "\t",
        "\u200b",
        "\u202e",
        "\ufeff",
        "\u2028",
    ]
)
HUGE = st.integers(min_value=-(10**40), max_value=10**40).map(str)
NASTY = st.one_of(
    st.text(UNICODE, max_size=40),
    st.text(st.one_of(UNICODE, CONTROL), max_size=40),
    st.builds(lambda text, n: text * n, st.text(UNICODE, min_size=1, max_size=3), st.integers(300, 3000)),
    HUGE,
    st.sampled_from(
        [
            "99999999999999999999",
            "-1",
            "0",
            "1e309",
            "NaN",
            "2026-02-30",
            "31.12.9999",
            "+99:00",
            "%00",
            "' OR 1=1 --",
            "<script>alert(1)</script>",
            "../../etc/passwd",
            "",
        ]
    ),
)
CODE = st.one_of(NASTY, st.text(string.ascii_uppercase + string.digits + "-", min_size=12, max_size=16))


@pytest.fixture(scope="module", autouse=True)
def no_rate_limits():
    """The throttle would answer these floods with 429 before the views are reached."""
    from django.conf import settings as django_settings
    from django.test import override_settings

    override = override_settings(THROTTLE_RATES={scope: "off" for scope in django_settings.THROTTLE_RATES})
    override.enable()
    yield
    override.disable()


@pytest.fixture(scope="module")
def online_service(alpha):
    with schema_context(alpha.schema_name):
        return Service.objects.filter(is_active=True, online=True).order_by("code").first()


@pytest.fixture(scope="module")
def staff(alpha):
    from django.test import Client

    user = staff_user(alpha, "fuzz-administrator@alpha.test", "administrator")
    client = verified_login(Client(HTTP_HOST=alpha.primary_host), user, alpha)
    # the pages answer a plain request, so what the fuzzer sends reaches the views
    for page in (
        "/staff/cases/",
        "/staff/cases/kpis/",
        "/staff/cases/kpis.csv",
        "/staff/cases/new/",
        "/staff/registers/residents/",
        "/staff/registers/residents/export.csv",
        "/staff/registers/access-log/",
    ):
        assert client.get(page).status_code == 200, page
    return client


def _counts(alpha):
    with schema_context(alpha.schema_name):
        return PendingApplication.objects.count(), Case.objects.count()


def _stored_files(alpha):
    from django.core.files.storage import default_storage

    with schema_context(alpha.schema_name):
        try:
            return len(default_storage.listdir("pending")[0])
        except FileNotFoundError:
            return 0


def _fine(response):
    assert response.status_code < 500, response.status_code
    return response


def test_the_online_application_form_takes_any_text(alpha, online_service, client_for):
    client = client_for(alpha.primary_host)
    fields = list(online_service.form_fields)
    assert client.get(f"/apply/{online_service.code}/").status_code == 200

    @FORM_SETTINGS
    @given(
        name=NASTY,
        email=st.one_of(NASTY, st.emails()),
        phone=NASTY,
        values=st.fixed_dictionaries({code: NASTY for code in fields}),
    )
    def apply(name, email, phone, values):
        before, files = _counts(alpha), _stored_files(alpha)
        response = _fine(
            client.post(
                f"/apply/{online_service.code}/",
                {"applicant_name": name, "applicant_email": email, "applicant_phone": phone, **values},
            )
        )
        accepted = "cases/check_email.html" in [t.name for t in response.templates or []]
        pending, cases = _counts(alpha)
        assert cases == before[1]  # only the email link makes a case
        assert pending == before[0] + (1 if accepted else 0)
        if not accepted:
            assert _stored_files(alpha) == files

    apply()


def test_tracking_verification_and_confirmation_links_take_any_code(alpha, client_for):
    client = client_for(alpha.primary_host)

    @FORM_SETTINGS
    @given(code=CODE)
    def look_up(code):
        before = _counts(alpha)
        for path in ("/track/", "/verify/", "/track/document.pdf"):
            _fine(client.get(path, {"code": code}))
        from urllib.parse import quote

        _fine(client.get(f"/apply/confirm/{quote(code, safe='')}/"))
        assert _counts(alpha) == before

    look_up()


def test_the_public_register_search_takes_any_text(alpha, client_for):
    from tenants.registers.models import Register

    with schema_context(alpha.schema_name):
        public = list(Register.objects.filter(is_public=True).values_list("code", flat=True))
    assert public
    client = client_for(alpha.primary_host)
    assert client.get(f"/registers/{public[0]}/", {"q": "a"}).status_code == 200

    @FORM_SETTINGS
    @given(code=st.sampled_from(public), text=NASTY, page=NASTY)
    def search(code, text, page):
        _fine(client.get(f"/registers/{code}/", {"q": text, "page": page}))

    search()


def test_the_case_inbox_and_key_figures_filters_take_any_text(alpha, staff):
    @FORM_SETTINGS
    @given(scope=NASTY, due=NASTY, service=NASTY, department=NASTY, page=NASTY, year=NASTY)
    def filters(scope, due, service, department, page, year):
        before = _counts(alpha)
        _fine(
            staff.get(
                "/staff/cases/",
                {"scope": scope, "due": due, "service": service, "department": department, "page": page},
            )
        )
        _fine(staff.get("/staff/cases/kpis/", {"year": year, "service": service}))
        _fine(staff.get("/staff/cases/kpis.csv", {"year": year, "service": service}))
        _fine(staff.get("/staff/cases/new/", {"service": service}))
        assert _counts(alpha) == before

    filters()


def test_the_register_lists_exports_and_access_log_take_any_text(alpha, staff):
    from tenants.registers.models import Register

    with schema_context(alpha.schema_name):
        register = Register.objects.get(code="residents")
        fields = list(register.field_types)

    @FORM_SETTINGS
    @given(
        text=NASTY,
        page=NASTY,
        person=NASTY,
        filters=st.dictionaries(st.sampled_from([f"f_{code}" for code in fields]), NASTY, max_size=4),
    )
    def lists(text, page, person, filters):
        _fine(staff.get("/staff/registers/residents/", {"q": text, "page": page, **filters}))
        _fine(staff.get("/staff/registers/residents/export.csv", {"q": text, **filters}))
        _fine(staff.get("/staff/registers/access-log/", {"person": person, "page": page}))

    lists()
