"""myPersonalDataUsage: who read a person's data in one register, from the personal-data
access log, in the spec's PersonalDataUsage shape. Staff reads name the staff member and the
municipality; API reads name the Information Mediator client
(INSTANCE/CLASS/MEMBER/SUBSYSTEM): its member is the institution, its subsystem the application.
Values the log does not know are left out rather than sent empty."""

from django.db import connection
from django.utils.translation import gettext as _

from hamaynk.api import ApiError, json_response

from ..models import PersonalDataAccess
from .common import endpoint, not_found


@endpoint("GET")
def my_personal_data_usage(request):
    missing = {
        name: [_("This parameter is required.")]
        for name in ("userId", "databaseId")
        if not request.GET.get(name, "").strip()
    }
    if missing:
        raise ApiError(400, _("userId and databaseId are required."), errors=missing)
    # Identifiers are stored the way the personal_id field cleans them: upper case, no spaces.
    person = request.GET["userId"].strip().upper().replace(" ", "")
    rows = PersonalDataAccess.objects.filter(
        register_code=request.GET["databaseId"].strip(), person_ids__contains=[person]
    ).select_related("user", "record")
    usage = [_usage(row) for row in rows]
    if not usage:
        raise not_found(_("Nobody has read this person's data in this register."))
    return json_response(usage)


def _usage(row):
    entry = {"id": str(row.id)}
    if row.channel == PersonalDataAccess.Channel.API:
        parts = row.actor.split("/")
        entry["readerId"] = row.actor
        if len(parts) >= 3:
            entry["readerInstitutionId"] = "/".join(parts[:3])
        entry["readerApplicationName"] = parts[3] if len(parts) >= 4 else row.actor
    else:
        municipality = connection.tenant
        if row.user is not None:
            entry["readerId"] = row.user.get_username()
            initials = "".join(word[0] for word in row.user.get_full_name().split())
            if initials:
                entry["readerInitials"] = initials.upper()
        entry["readerInstitutionId"] = str(municipality.uuid)
        entry["readerInstitutionName"] = municipality.name
        entry["readerApplicationName"] = str(PersonalDataAccess.Channel(row.channel).label)
    entry["searchDateTime"] = row.at.isoformat().replace("+00:00", "Z")
    entry["refrences"] = [{"ReferenceID": str(row.record.uuid)}] if row.record is not None else []
    return entry
