"""Settlements, departments and office hours, edited together as lists: add a row, change
one, tick one away. Each list is checked as a whole before anything is saved."""

from django import forms
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from hamaynk.permissions import requires

from .models import Department, Settlement, WorkingHours

SettlementFormSet = forms.modelformset_factory(
    Settlement, fields=["name_hy", "name_en", "name_ru", "kind", "is_centre", "position"], extra=1, can_delete=True
)
DepartmentFormSet = forms.modelformset_factory(
    Department, fields=["code", "name_hy", "name_en", "name_ru", "phone", "email", "position"], extra=1, can_delete=True
)
HoursFormSet = forms.modelformset_factory(
    WorkingHours,
    fields=["weekday", "opens", "closes", "break_starts", "break_ends"],
    extra=1,
    can_delete=True,
    widgets={
        name: forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
        for name in ("opens", "closes", "break_starts", "break_ends")
    },
)


def _checked(formset, check):
    """Runs `check(rows)` over the rows that stay; its message is the formset's error."""
    if not formset.is_valid():
        return False
    rows = [f.cleaned_data for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
    message = check(rows)
    if message:
        formset._non_form_errors = formset.error_class([message])
        return False
    return True


def _one_centre(rows):
    if rows and sum(1 for r in rows if r.get("is_centre")) != 1:
        return _("Mark exactly one settlement as the administrative centre.")
    return None


def _hours_make_sense(rows):
    for row in rows:
        if row["opens"] >= row["closes"]:
            return _("Opening time must be before closing time.")
        starts, ends = row.get("break_starts"), row.get("break_ends")
        if bool(starts) != bool(ends) or starts and not (row["opens"] < starts < ends < row["closes"]):
            return _("A break needs a start and an end inside the opening hours.")
    return None


@requires("municipal_profile.change_settlement")
def structure(request):
    data = request.POST or None
    settlements = SettlementFormSet(data, prefix="settlements", queryset=Settlement.objects.all())
    departments = DepartmentFormSet(data, prefix="departments", queryset=Department.objects.all())
    hours = HoursFormSet(data, prefix="hours", queryset=WorkingHours.objects.all())
    if request.method == "POST":
        valid = [
            _checked(settlements, _one_centre),
            _checked(departments, lambda rows: None),
            _checked(hours, _hours_make_sense),
        ]
        if all(valid):
            with transaction.atomic():
                for formset in (settlements, departments, hours):
                    formset.save()
            messages.success(request, _("The settlements, departments and hours were saved."))
            return redirect("profile:structure")
    return render(
        request,
        "profile/structure.html",
        {
            "formsets": [(_("Settlements"), settlements), (_("Departments"), departments), (_("Working hours"), hours)],
        },
    )
