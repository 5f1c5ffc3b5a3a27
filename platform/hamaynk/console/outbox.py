"""The ministry console's outbox: every message the local outbox holds (hamaynk.mail_outbox)."""

from django.shortcuts import render

from hamaynk import mail_outbox as outbox
from hamaynk.tenancy.models import Municipality

from .views import ministry_staff_required


def _names():
    return {m.schema_name: m.name for m in Municipality.objects.all()}


@ministry_staff_required
def outbox_list(request):
    outbox._require_enabled()
    names = _names()
    found = outbox.messages()
    for message in found:
        message.sender_name = names.get(message.schema, "")
    return render(
        request, "hamaynk/outbox/list.html", {"base": "console/base.html", "messages_": found, "everyone": True}
    )


@ministry_staff_required
def outbox_detail(request, schema, message_id):
    outbox._require_enabled()
    message = outbox.message(schema, message_id)
    message.sender_name = _names().get(schema, "")
    return render(
        request, "hamaynk/outbox/detail.html", {"base": "console/base.html", "message": message, "everyone": True}
    )
