"""The municipality's profile: staff edit it, the public home page shows it."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from tenants.profile.models import MunicipalProfile
from tests.two_factor_helpers import second_step

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 100


def staff_client(client_for, host, username, password):
    client = client_for(host)
    response = client.post("/staff/login/", {"username": username, "password": password})
    assert response.status_code == 302
    return second_step(client, username, host)


def form_data(profile, **changes):
    data = {
        f: getattr(profile, f) or ""
        for f in (
            "name_hy",
            "name_en",
            "name_ru",
            "address_hy",
            "address_en",
            "address_ru",
            "phone",
            "email",
            "website",
            "reception_hy",
            "reception_en",
            "reception_ru",
        )
    }
    data.update(changes)
    return data


def test_the_administrator_edits_the_profile_and_uploads_the_coat_of_arms(alpha, client_for):
    client = staff_client(client_for, "alpha.localhost", "admin@alpha.test", "alpha-password-1")
    with schema_context(alpha.schema_name):
        profile = MunicipalProfile.objects.get()
    response = client.post(
        "/staff/profile/",
        {
            **form_data(profile, phone="+374 10 55 55 55", website="alpha.example.am"),
            "coat_of_arms": SimpleUploadedFile("emblem.png", PNG, content_type="image/png"),
        },
    )
    assert response.status_code == 302
    with schema_context(alpha.schema_name):
        profile = MunicipalProfile.objects.get()
        assert profile.phone == "+374 10 55 55 55"
        assert profile.website == "https://alpha.example.am"
        assert profile.coat_of_arms.name.startswith("profile/emblem")
    home = client_for("alpha.localhost").get("/contacts/").content.decode()
    assert "+374 10 55 55 55" in home and 'src="/coat-of-arms"' in home
    emblem = client_for("alpha.localhost").get("/coat-of-arms")
    assert emblem["Content-Type"] == "image/png" and b"".join(emblem.streaming_content) == PNG


def test_a_file_that_is_not_an_image_is_refused_and_nothing_changes(alpha, client_for):
    client = staff_client(client_for, "alpha.localhost", "admin@alpha.test", "alpha-password-1")
    with schema_context(alpha.schema_name):
        before = MunicipalProfile.objects.get()
    response = client.post(
        "/staff/profile/",
        {
            **form_data(before, phone="+374 99 99 99 99"),
            "coat_of_arms": SimpleUploadedFile("emblem.png", b"<script>alert(1)</script>", content_type="image/png"),
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "The coat of arms must be a PNG or JPEG image." in response.content.decode()
    with schema_context(alpha.schema_name):
        after = MunicipalProfile.objects.get()
    assert after.phone == before.phone and after.coat_of_arms.name == before.coat_of_arms.name


def test_an_oversized_image_is_refused(alpha, client_for):
    client = staff_client(client_for, "alpha.localhost", "admin@alpha.test", "alpha-password-1")
    with schema_context(alpha.schema_name):
        profile = MunicipalProfile.objects.get()
    big = PNG + b"\0" * (600 * 1024)
    response = client.post(
        "/staff/profile/",
        {
            **form_data(profile),
            "coat_of_arms": SimpleUploadedFile("big.png", big, content_type="image/png"),
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "larger than 512 KB" in response.content.decode()


def test_a_role_without_the_permission_cannot_edit(alpha, client_for):
    with schema_context(alpha.schema_name):
        user = get_user_model().objects.create_user("editor@alpha.test", password="editor-password-1")
        user.groups.add(Group.objects.get(name="editor"))
    client = staff_client(client_for, "alpha.localhost", "editor@alpha.test", "editor-password-1")
    assert client.get("/staff/profile/").status_code == 403
    assert client.get("/staff/").status_code == 200


def test_script_in_text_is_shown_escaped(alpha, client_for):
    with schema_context(alpha.schema_name):
        profile = MunicipalProfile.objects.get()
        original = profile.reception_hy
        profile.reception_hy = "<script>alert('x')</script>"
        profile.save()
    try:
        html = client_for("alpha.localhost").get("/contacts/").content.decode()
        assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    finally:
        with schema_context(alpha.schema_name):
            MunicipalProfile.objects.filter(pk=profile.pk).update(reception_hy=original)


def test_settlements_departments_and_hours_are_edited_as_lists(alpha, client_for):
    from tenants.profile.models import Settlement, WorkingHours

    client = staff_client(client_for, "alpha.localhost", "admin@alpha.test", "alpha-password-1")
    page = client.get("/staff/profile/structure/")
    data = {}
    for prefix, formset in (
        ("settlements", page.context["formsets"][0][1]),
        ("departments", page.context["formsets"][1][1]),
        ("hours", page.context["formsets"][2][1]),
    ):
        new_rows = 1 if prefix == "settlements" else 0  # one new settlement, the other blank rows left out
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": str(formset.initial_form_count() + new_rows),
                f"{prefix}-INITIAL_FORMS": str(formset.initial_form_count()),
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
        for index, form in enumerate(formset.forms[: formset.initial_form_count()]):
            for name in form.fields:
                value = form.initial.get(name, "")
                if value is None or name == "DELETE":
                    value = ""
                if hasattr(value, "strftime"):
                    value = value.strftime("%H:%M")
                if isinstance(value, bool):
                    value = "on" if value else ""
                if hasattr(value, "pk"):
                    value = value.pk
                if name == "id":
                    value = form.instance.pk or ""
                data[f"{prefix}-{index}-{name}"] = value
    extra = len(page.context["formsets"][0][1].forms) - 1
    data.update(
        {
            f"settlements-{extra}-name_hy": "Նոր գյուղ",
            f"settlements-{extra}-name_en": "Nor Gyugh",
            f"settlements-{extra}-name_ru": "Нор Гюх",
            f"settlements-{extra}-kind": "village",
            f"settlements-{extra}-position": "9",
        }
    )
    friday = next(i for i in range(len(page.context["formsets"][2][1].forms)) if data.get(f"hours-{i}-weekday") == 5)
    bad = {**data, f"hours-{friday}-closes": "08:00"}
    response = client.post("/staff/profile/structure/", bad, HTTP_ACCEPT_LANGUAGE="en")
    errors = [
        (fs.prefix, fs.non_form_errors(), [f.errors for f in fs.forms if f.errors])
        for _t, fs in response.context["formsets"]
    ]
    assert "Opening time must be before closing time." in response.content.decode(), errors
    with schema_context(alpha.schema_name):
        assert not Settlement.objects.filter(name_en="Nor Gyugh").exists()  # nothing saved
    data[f"hours-{friday}-closes"] = "16:00"
    response = client.post("/staff/profile/structure/", data)
    assert response.status_code == 302, [
        (fs.prefix, fs.non_form_errors(), [f.errors for f in fs.forms if f.errors])
        for _t, fs in response.context["formsets"]
    ]
    with schema_context(alpha.schema_name):
        assert Settlement.objects.filter(name_en="Nor Gyugh", is_centre=False).exists()
        assert WorkingHours.objects.get(weekday=5).closes.hour == 16
    html = client_for("alpha.localhost").get("/contacts/").content.decode()
    assert "Նոր գյուղ" in html
