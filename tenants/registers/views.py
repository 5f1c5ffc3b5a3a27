"""The registers' staff area: lists with search and filters, records with their history,
create and edit with conflict detection, CSV import with preview, exports, the access log."""

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from hamaynk import csvexport
from hamaynk.permissions import SIGNED_IN, Requirement, requires

from . import files, imports, services
from .fields import FieldError
from .forms import ImportForm, ReasonForm, RecordForm
from .models import PersonalDataAccess, Record, Register

PAGE_SIZE = 50
FILTERABLE = ("choice", "boolean")  # a select box of values
TEXT_FILTERABLE = ("text", "personal_id")  # a "contains" box, for the fields shown in the list
EXACT_FILTERABLE = ("date", "integer")  # an exact value box


def register_action(action):
    """The requirement of a per-register page: the role's permission for that register."""

    def check(request, kwargs):
        return services.allowed(request.user, get_object_or_404(Register, code=kwargs["code"]), action)

    return Requirement.custom(f"registers:{action}", check)


def _register(request, code, action):
    register = get_object_or_404(Register, code=code)
    if not services.allowed(request.user, register, action):
        raise PermissionDenied
    return register


def _record(register, record_uuid):
    try:
        return services.records(register).get(uuid=record_uuid)
    except (Record.DoesNotExist, ValueError):
        raise Http404 from None


@requires(SIGNED_IN)  # lists only the registers the person may open
def index(request):
    registers = services.visible_registers(request.user)
    counts = services.record_counts([r.pk for r in registers])
    return render(
        request,
        "registers/index.html",
        {
            "registers": [(r, counts.get(r.pk, 0)) for r in registers],
            "can_read_log": request.user.has_perm("registers.view_personaldataaccess"),
        },
    )


def filtered(register, params):
    """Records matching the list page's search box and per-field filters."""
    queryset = services.records(register)
    text = params.get("q", "").strip()
    if text:
        queryset = services.full_text(queryset, text)
    exact = {}
    for code, field_type in register.field_types.items():
        value = params.get(f"f_{code}", "").strip()
        if not value:
            continue
        kind = field_type.spec["type"]
        if kind in TEXT_FILTERABLE:
            queryset = queryset.filter(**{f"data__{code}__icontains": value})
        elif kind in FILTERABLE + EXACT_FILTERABLE:
            try:
                exact[code] = field_type.convert(value)
            except FieldError:
                continue  # a filter that cannot match anything typed is ignored, not an error page
    if exact:
        queryset = queryset.filter(data__contains=exact)
    return queryset


@requires(register_action("view"))
def record_list(request, code):
    register = _register(request, code, "view")
    queryset = filtered(register, request.GET).only("uuid", "data", "updated_at", "register_id")
    page = Paginator(queryset.order_by("-updated_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    types = register.field_types
    columns = [types[c] for c in register.list_fields]
    rows = [(record, [t.display(record.data.get(t.name)) for t in columns]) for record in page]
    filters = [
        (t, request.GET.get(f"f_{t.name}", ""))
        for t in types.values()
        if t.spec["type"] in FILTERABLE
        or t.name in register.list_fields
        and t.spec["type"] in TEXT_FILTERABLE + EXACT_FILTERABLE
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "registers/list.html",
        {
            "register": register,
            "columns": columns,
            "rows": rows,
            "page": page,
            "filters": filters,
            "q": request.GET.get("q", ""),
            "query": query.urlencode(),
            "can": {a: services.allowed(request.user, register, a) for a in services.ACTIONS},
        },
    )


@requires(register_action("view"))
def record_detail(request, code, record_uuid):
    register = _register(request, code, "view")
    record = _record(register, record_uuid)
    reason = ""
    if register.has_personal_data and services.needs_reason(request.user, register):
        form = ReasonForm(request.GET or None)
        if not form.is_valid():
            return render(
                request, "registers/reason.html", {"register": register, "record_uuid": record_uuid, "form": form}
            )
        reason = form.cleaned_data["reason"]
    services.log_read(record, channel="staff", user=request.user, reason=reason)
    return render(
        request,
        "registers/detail.html",
        {
            "register": register,
            "record": record,
            "values": [
                (t, t.display(record.data.get(t.name)), record.data.get(t.name)) for t in register.field_types.values()
            ],
            "history": _history(register, record),
            "can_edit": services.allowed(request.user, register, "edit"),
        },
    )


def _history(register, record):
    types = register.field_types
    order = {code: index for index, code in enumerate(types)}
    entries = []
    for change in record.changes.select_related("user"):
        rows = [
            (
                types[c].label if c in types else c,
                types[c].display(old) if c in types else old,
                types[c].display(new) if c in types else new,
            )
            for c, (old, new) in sorted(change.changes.items(), key=lambda item: order.get(item[0], 999))
        ]
        who = change.user.get_full_name() or change.user.username if change.user else change.actor
        entries.append({"change": change, "who": who or "—", "rows": rows})
    return entries


@requires(register_action("view"))
def record_file(request, code, record_uuid, field):
    register = _register(request, code, "view")
    record = _record(register, record_uuid)
    value = record.data.get(field)
    if field not in register.field_types or register.field_types[field].spec["type"] != "file" or not value:
        raise Http404
    try:
        handle = files.open_file(value)
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=value["name"], content_type=value["content_type"])


def _file_values(register, request, errors):
    values = {}
    for code, field_type in register.field_types.items():
        if field_type.spec["type"] != "file" or code not in request.FILES:
            continue
        try:
            values[code] = files.store(f"registers/{register.code}", request.FILES[code])
        except FieldError as exc:
            errors.setdefault(code, []).append(str(exc))
    return values


@requires(register_action("edit"))
def record_create(request, code):
    register = _register(request, code, "edit")
    form = RecordForm(register, request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        errors = {}
        raw = {**form.raw_values(), **_file_values(register, request, errors)}
        try:
            if errors:
                raise services.RecordInvalid(errors)
            with transaction.atomic():
                record = services.create(register, raw, user=request.user)
        except services.RecordInvalid as exc:
            form.show_errors(exc.errors)
        else:
            messages.success(request, _("The record was saved."))
            return redirect("registers:detail", code=register.code, record_uuid=record.uuid)
    return render(request, "registers/form.html", {"register": register, "form": form})


@requires(register_action("edit"))
def record_edit(request, code, record_uuid):
    register = _register(request, code, "edit")
    record = _record(register, record_uuid)
    form = RecordForm(register, request.POST or None, request.FILES or None, record=record)
    conflict = None
    if request.method == "POST" and form.is_valid():
        errors = {}
        raw = form.raw_values()
        for name, value in register.field_types.items():
            if value.spec["type"] == "file" and record.data.get(name) and name not in request.FILES:
                raw[name] = record.data[name]  # keep the attached file unless a new one is given
        raw.update(_file_values(register, request, errors))
        try:
            if errors:
                raise services.RecordInvalid(errors)
            services.update(record, raw, user=request.user, expected_version=form.cleaned_data["version"])
        except services.Conflict as exc:
            conflict = exc.args[0]
            data = form.data.copy()
            data["version"] = conflict.version  # saving again now overwrites knowingly
            form = RecordForm(register, data, record=record)
            form.is_valid()
            form.add_error(
                None,
                _(
                    "Somebody else saved this record while you were editing it. Their values "
                    "are shown beside yours; check them and save again."
                ),
            )
        except services.RecordInvalid as exc:
            form.show_errors(exc.errors)
        else:
            messages.success(request, _("The record was saved."))
            return redirect("registers:detail", code=register.code, record_uuid=record.uuid)
    if conflict is not None:
        for field_type in register.field_types.values():
            form.fields[field_type.name].saved_meanwhile = field_type.display(conflict.data.get(field_type.name))
    return render(request, "registers/form.html", {"register": register, "form": form, "record": record})


@requires(register_action("import"))
def record_import(request, code):
    """Upload → preview with every problem (row, field, reason) → confirm. Nothing is written
    until the whole file is clean and confirmed."""
    register = _register(request, code, "import")
    form = ImportForm(request.POST or None, request.FILES or None)
    context = {"register": register, "form": form}
    if request.method == "POST" and request.POST.get("confirm") and request.session.get("import_token"):
        token = request.session.pop("import_token")
        text = request.session.pop(f"import:{token}", None)
        if text is None or request.POST["confirm"] != token:
            messages.error(request, _("The preview has expired; upload the file again."))
            return redirect("registers:import", code=register.code)
        try:
            report = imports.run(register, imports.read_csv(text), user=request.user)
        except imports.ImportInvalid as exc:
            context["report"] = exc.report
        else:
            messages.success(request, _("%(count)s records were imported.") % {"count": report.created})
            return redirect("registers:list", code=register.code)
    elif request.method == "POST" and form.is_valid():
        raw = form.cleaned_data["file"].read(imports.MAX_BYTES + 1)
        try:
            rows = imports.read_csv(raw)
            report, cleaned = imports.check(register, rows)
        except imports.ImportInvalid as exc:
            report, cleaned = exc.report, []
        context["report"] = report
        if not report.errors:
            import secrets

            token = secrets.token_urlsafe(16)
            request.session["import_token"] = token
            request.session[f"import:{token}"] = raw.decode("utf-8-sig")
            types = register.field_types
            context.update(
                token=token,
                preview_columns=[types[c] for c in register.list_fields],
                preview=[[types[c].display(d.get(c)) for c in register.list_fields] for d in cleaned[:20]],
            )
    if context.get("report"):
        # Problems name the field by its label in the reader's language (a column the register
        # does not have keeps the title the file gave it).
        types = register.field_types
        context["problems"] = [
            (row, field, types[field].label if field in types else field, reason)
            for row, field, reason in context["report"].errors
        ]
    return render(request, "registers/import.html", context)


@requires(register_action("export"))
def record_export(request, code, fmt):
    if fmt not in ("csv", "json"):
        raise Http404
    register = _register(request, code, "export")
    queryset = filtered(register, request.GET).order_by("id")
    types = list(register.field_types.values())
    if register.has_personal_data:
        services.log_export(register, queryset, user=request.user)
    if fmt == "json":
        data = [{"id": str(r.uuid), **r.data} for r in queryset.iterator(chunk_size=2000)]
        response = HttpResponse(
            json.dumps({"register": register.code, "version": register.version, "records": data}, ensure_ascii=False),
            content_type="application/json; charset=utf-8",
        )
    else:
        response = csv_response(types, queryset)
    response["Content-Disposition"] = f'attachment; filename="{register.code}.{fmt}"'
    return response


def csv_response(types, queryset):
    """The records as a streamed CSV file: the id, then one column per field, as the import
    reads them back."""
    rows = (
        [str(record.uuid)] + [t.to_text(record.data.get(t.name)) for t in types]
        for record in queryset.iterator(chunk_size=2000)
    )
    return csvexport.response(["id"] + [t.name for t in types], rows, stream=True)


@requires("registers.view_personaldataaccess")
def access_log(request):
    entries = PersonalDataAccess.objects.select_related("user", "record").order_by("-at", "-id")
    person = request.GET.get("person", "").strip().upper()
    if person:
        entries = entries.filter(person_ids__contains=[person])
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "registers/access_log.html", {"page": page, "person": person})
