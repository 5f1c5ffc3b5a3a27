"""Staff reads of an application that holds a personal identifier go to the personal-data
access log, beside the register reads: the case page, its receipt and its files each show the
applicant's identifiers to whoever opens them.

An identifier is a value of one of the service's form fields of a personal-identifier type
(the same test the registers use for their own fields), so a service whose form asks for none
— a request to the mayor — leaves no entry."""

from tenants.registers.models import PersonalDataAccess

PAGE, RECEIPT, FILE = "page", "receipt", "file"


def person_ids(case):
    return [
        case.data[code]
        for code, field_type in case.service.form_fields.items()
        if field_type.personal and case.data.get(code)
    ]


def log_read(case, user, what, name=""):
    """Logs the read when the case holds a personal identifier; returns whether it did.
    `what` is PAGE, RECEIPT or FILE (with the file's name)."""
    ids = person_ids(case)
    if not ids:
        return False
    PersonalDataAccess.objects.create(
        case_id=case.pk,
        case_number=case.reg_number,
        person_ids=ids,
        user=user,
        channel=PersonalDataAccess.Channel.STAFF,
        what=f"{what}:{name}"[:200] if name else what,
    )
    return True


def reads_personal_data(role):
    """Asked by the two-factor policy: a role that reads applications reads the identifiers,
    names and addresses of the people who applied."""
    return role.group.permissions.filter(content_type__app_label="cases", codename="view_case").exists()
