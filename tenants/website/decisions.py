"""Council decisions as the public register holds them: only published records and public
fields (tenants.registers.public decides what is public; this module only reads through it)."""

from tenants.registers import services
from tenants.registers.public import list_columns, public_records

LIST_FIELDS = ("number", "date", "title", "status")


def search(register, text):
    if register is None:
        return []
    queryset = public_records(register)
    if text:
        queryset = services.full_text(queryset, text)
    # Newest decision first; the register's date field when it has one, then the entry order.
    order = ["-data__date", "-id"] if "date" in register.field_types else ["-id"]
    return queryset.order_by(*order)


def rows(register, page):
    if register is None:
        return []
    shown = list_columns(register)
    # The title links to the decision's page (the first column when the list has no title).
    linked = "title" if any(t.name == "title" for t in shown) else shown[0].name if shown else None
    return [{"record": r, "cells": [(t, t.display(r.data.get(t.name)), t.name == linked) for t in shown]} for r in page]


def get(register, record_uuid):
    if register is None:
        return None
    return public_records(register).filter(uuid=record_uuid).first()
