import datetime

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .models import CalendarSettings, Holiday


@login_required
def holidays(request):
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = datetime.date.today().year
    years = sorted({d.year for d in Holiday.objects.dates("date", "year")})
    settings_row = CalendarSettings.objects.first()
    return render(request, "workcalendar/holidays.html", {
        "year": year,
        "years": years,
        "holidays": Holiday.objects.filter(date__year=year),
        "weekend": settings_row.weekend if settings_row else [],
    })
