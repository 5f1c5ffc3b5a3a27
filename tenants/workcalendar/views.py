"""The working-calendar page: a year's non-working and extra working days, national ones from
the `holidays` package and the municipality's own over them, which staff with the right
permission add and remove here."""

import datetime

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hamaynk.permissions import requires

from .calendar import DEFAULT_WEEKEND, year_days
from .models import CalendarSettings, Holiday

YEARS_AROUND = 2  # years offered before and after this one


class OwnDayForm(forms.ModelForm):
    class Meta:
        model = Holiday
        fields = ["date", "kind", "every_year", "name_hy", "name_en", "name_ru"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


def _year(request):
    today = datetime.date.today()
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return today.year
    return year if 1990 <= year <= 2100 else today.year


@requires("workcalendar.view_holiday")
def holidays(request, form=None):
    year = _year(request)
    settings_row = CalendarSettings.objects.first()
    own = list(Holiday.objects.all())
    days = year_days(year, settings_row.country if settings_row else "AM", own)
    by_date = {
        h.date.replace(year=year) if h.every_year else h.date: h
        for h in own
        if h.date.year == year or h.every_year and h.date.year <= year
    }
    this_year = datetime.date.today().year
    years = sorted(
        set(range(this_year - YEARS_AROUND, this_year + YEARS_AROUND + 1))
        | {h.date.year for h in own if not h.every_year}
        | {year}
    )
    language = (request.LANGUAGE_CODE or "hy")[:2]
    rows = [
        {
            "date": date,
            "kind": Holiday.Kind(kind).label,
            "working": kind == Holiday.Kind.WORKING_DAY,
            "name": names.get(language) or names["hy"],
            "source": source,
            "own": by_date.get(date),
        }
        for date, (kind, names, source) in sorted(days.items())
    ]
    return render(
        request,
        "workcalendar/holidays.html",
        {
            "year": year,
            "years": years,
            "rows": rows,
            "weekend": settings_row.weekend if settings_row else list(DEFAULT_WEEKEND),
            "form": form or OwnDayForm(initial={"date": datetime.date(year, 1, 1)}),
            "can_add": request.user.has_perm("workcalendar.add_holiday"),
            "can_delete": request.user.has_perm("workcalendar.delete_holiday"),
        },
    )


@requires("workcalendar.add_holiday")
@require_POST
def add_day(request):
    form = OwnDayForm(request.POST)
    if not form.is_valid():
        request.GET = request.GET.copy()
        if form.cleaned_data.get("date"):
            request.GET["year"] = str(form.cleaned_data["date"].year)
        return holidays.__wrapped__(request, form=form)
    day = form.save()
    messages.success(
        request, _("%(date)s was added to the municipality's calendar.") % {"date": day.date.strftime("%d.%m.%Y")}
    )
    return redirect(f"{reverse('workcalendar:holidays')}?year={day.date.year}")


@requires("workcalendar.delete_holiday")
@require_POST
def delete_day(request, pk):
    day = get_object_or_404(Holiday, pk=pk)
    day.delete()
    messages.success(
        request, _("%(date)s was removed from the municipality's calendar.") % {"date": day.date.strftime("%d.%m.%Y")}
    )
    return redirect(f"{reverse('workcalendar:holidays')}?year={request.POST.get('year') or day.date.year}")
