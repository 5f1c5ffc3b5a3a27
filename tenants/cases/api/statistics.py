"""The Registration statistics API (/data/statistics): the key figures of tenants.cases.kpis for
a range of submission dates, as one entry or one per day, week, month or year.

The spec's counts are read so that its example adds up (processed = approved + sentBack +
rejected): approved and rejected count the decisions taken on the applications submitted in the
period, sentBack those waiting for the applicant now. The other key figures come beside them."""

import datetime

from django.contrib.auth import get_user_model
from django.db.models import Q, Value
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from hamaynk.api import ApiError, json_response, not_found
from tenants.catalogue.models import Service

from .. import kpis
from ..models import Case
from .common import endpoint

MAX_YEARS = 20  # the working-day calendar is built for the whole range
# Dates a period can start or end on: a year later is still a date, and the holiday calendar knows them.
FIRST_DAY, LAST_DAY = datetime.date(1900, 1, 1), datetime.date(2999, 12, 31)


def _date(request, name, default):
    text = request.GET.get(name, "").strip()
    if not text:
        return default
    try:
        value = parse_date(text)
    except ValueError:
        value = None
    if value is None:
        raise ApiError(400, _("%(name)s must be a date, as 2026-01-30.") % {"name": name})
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ApiError(
            400,
            _("%(name)s must be a date between %(first)s and %(last)s.")
            % {"name": name, "first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()},
        )
    return value


def _range(request):
    """startDate to endDate, both included: by default from 1 January of endDate's year to today."""
    end = _date(request, "endDate", timezone.localdate())
    start = _date(request, "startDate", end.replace(month=1, day=1))
    if start > end:
        raise ApiError(400, _("startDate is after endDate."))
    if (end - start).days > MAX_YEARS * 366:
        raise ApiError(400, _("Ask for at most %(years)s years at once.") % {"years": MAX_YEARS})
    return start, end


def _cases(request):
    """The cases of the service (registrationName: its code or its name in any language) handled
    by the operator (username or full name) or by staff of the role (its code), if asked."""
    cases = Case.objects.all()
    name = request.GET.get("registrationName", "").strip()
    if name:
        service = Service.objects.filter(Q(code=name) | Q(name_hy=name) | Q(name_en=name) | Q(name_ru=name)).first()
        if service is None:
            raise not_found(_("No service “%(id)s”.") % {"id": name})
        cases = cases.filter(service=service)
    staff = get_user_model().objects.all()
    operator = request.GET.get("operator", "").strip()
    if operator:
        staff = staff.annotate(full_name=Concat("first_name", Value(" "), "last_name")).filter(
            Q(username=operator) | Q(full_name__iexact=operator)
        )
    role = request.GET.get("role", "").strip()
    if role:
        staff = staff.filter(groups__role__code=role)
    return cases.filter(assigned_to__in=staff) if operator or role else cases


def _start_of(day, timeframe):
    return {
        "day": day,
        "week": day - datetime.timedelta(days=day.weekday()),
        "month": day.replace(day=1),
        "year": day.replace(month=1, day=1),
    }[timeframe]


def _next(first, timeframe):
    """The first day of the period after the one starting on `first`."""
    if timeframe == "day":
        return first + datetime.timedelta(days=1)
    if timeframe == "week":
        return first + datetime.timedelta(days=7)
    if timeframe == "month":
        return kpis.next_month(first)
    return first.replace(year=first.year + 1)


def _entry(figures, first, last, references):
    approved, rejected, waiting = figures.approved, figures.rejected, figures.waiting
    return {
        "processed": approved + rejected + waiting,
        "approved": approved,
        "sentBack": waiting,
        "rejected": rejected,
        "applications": figures.applications,
        "closed": figures.closed,
        "medianWorkingDays": figures.median_days,
        "p90WorkingDays": figures.p90_days,
        "overdueShare": figures.overdue_share,
        "onlineShare": figures.online_share,
        "references": {**references, "startDate": first.isoformat(), "endDate": last.isoformat()},
    }


@endpoint("GET", mediator=True)
def statistics(request):
    start, end = _range(request)
    timeframe = request.GET.get("timeframe", "").strip()
    if timeframe and timeframe not in kpis.PERIODS:
        raise ApiError(400, _("timeframe is one of day, week, month, year."))
    references = {name: request.GET[name] for name in ("registrationName", "operator", "role") if name in request.GET}
    references.update({f"timeframe{period.capitalize()}": period == timeframe for period in kpis.PERIODS})
    after = end + datetime.timedelta(days=1)
    rows = {
        f.period: f
        for f in kpis.figures(start, after, period=timeframe or None, cases=_cases(request))
        if f.service_id is None
    }
    if not timeframe:
        return json_response([_entry(rows.get(start, kpis.Figures(start, None)), start, end, references)])
    entries, first = [], _start_of(start, timeframe)
    while first <= end:
        following = _next(first, timeframe)
        entries.append(
            _entry(
                rows.get(first, kpis.Figures(first, None)),
                max(first, start),
                min(following - datetime.timedelta(days=1), end),
                references,
            )
        )
        first = following
    return json_response(entries)
