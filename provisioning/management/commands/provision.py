import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from hamaynk import csvinput
from provisioning.golden import GoldenSchemaError
from provisioning.models import ProvisioningRun
from provisioning.pipeline import AlreadyProvisioned, RequestInvalid, execute, submit
from provisioning.requests import MunicipalityRequest, parse_settlements
from provisioning.template_format import InvalidTemplate

CSV_COLUMNS = [
    "slug",
    "name_hy",
    "name_en",
    "name_ru",
    "region",
    "settlements",
    "admin_email",
    "phone",
    "email",
    "address",
    "address_en",
    "address_ru",
    "template",
    "domains",
]
REQUIRED_COLUMNS = {"slug", "name_hy", "name_en", "name_ru", "region", "admin_email"}


def request_from_row(row):
    return MunicipalityRequest(
        slug=(row.get("slug") or "").strip(),
        names={lang: (row.get(f"name_{lang}") or "").strip() for lang in ("hy", "en", "ru")},
        region=(row.get("region") or "").strip(),
        settlements=parse_settlements(row.get("settlements") or ""),
        admin_email=(row.get("admin_email") or "").strip(),
        phone=(row.get("phone") or "").strip(),
        email=(row.get("email") or "").strip(),
        address={
            "hy": (row.get("address") or "").strip(),
            "en": (row.get("address_en") or "").strip(),
            "ru": (row.get("address_ru") or "").strip(),
        },
        template=(row.get("template") or "").strip(),
        extra_domains=[d.strip().lower() for d in (row.get("domains") or "").split(";") if d.strip()],
    )


class Command(BaseCommand):
    help = (
        "Provisions one municipality from flags, or many from a CSV file "
        f"(columns: {', '.join(CSV_COLUMNS)}). Re-running finishes unfinished ones."
    )

    def add_arguments(self, parser):
        parser.add_argument("--csv", help="a CSV file with one municipality per row")
        parser.add_argument("--slug")
        for lang in ("hy", "en", "ru"):
            parser.add_argument(f"--name-{lang}", dest=f"name_{lang}")
        parser.add_argument("--region", help="region code, e.g. aragatsotn")
        parser.add_argument("--settlements", default="", help="'hy|en|ru; hy|en|ru' (the first is the centre)")
        parser.add_argument("--admin-email")
        parser.add_argument("--phone", default="")
        parser.add_argument("--email", default="")
        parser.add_argument("--address", default="", help="the address in Armenian")
        parser.add_argument("--address-en", default="", dest="address_en")
        parser.add_argument("--address-ru", default="", dest="address_ru")
        parser.add_argument("--template", default="")
        parser.add_argument(
            "--domain",
            action="append",
            default=[],
            dest="domains",
            help="an extra domain of the municipality's own (repeatable)",
        )
        parser.add_argument(
            "--async",
            action="store_true",
            dest="use_worker",
            help="hand the runs to the Celery worker instead of running them here",
        )

    def handle(self, **options):
        if options["csv"]:
            rows = self._read_csv(options["csv"])
        elif options["slug"]:
            rows = [{**{k: options.get(k) or "" for k in CSV_COLUMNS}, "domains": ";".join(options["domains"])}]
        else:
            raise CommandError("Give --csv FILE, or --slug with the other flags.")

        results = {"created": [], "already": [], "queued": [], "failed": []}
        bar = tqdm(
            rows,
            desc="provisioning",
            unit="municipality",
            file=sys.stderr,
            disable=len(rows) < 2 or not sys.stderr.isatty(),
        )
        for number, row in enumerate(bar, start=1):
            label = row.get("slug") or f"row {number}"
            outcome, detail = self._one(row, options["use_worker"])
            results[outcome].append((label, detail))
            bar.set_postfix_str(f"{label}: {outcome}")
            if outcome == "failed" or len(rows) == 1:
                style = self.style.ERROR if outcome == "failed" else self.style.SUCCESS
                self.stdout.write(style(f"{label}: {outcome}{' — ' + detail if detail else ''}"))

        self.stdout.write(
            f"Summary: {len(results['created'])} created, {len(results['queued'])} queued, "
            f"{len(results['already'])} already active, {len(results['failed'])} failed "
            f"(of {len(rows)})."
        )
        if results["failed"]:
            raise CommandError(f"{len(results['failed'])} municipality(ies) failed; run again to retry.", returncode=1)

    def _read_csv(self, path):
        """Rows as dicts by column title, read by the platform's CSV reader (any line ends; a NUL
        or an over-long cell is reported by row and column before anything is provisioned)."""
        try:
            with open(path, "rb") as handle:
                rows = csvinput.read_rows(handle.read())
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from None
        except csvinput.CsvInvalid as exc:
            raise CommandError(
                "\n".join(
                    f"{path}: row {row}, column {column or '-'}: {reason}" for row, column, reason in exc.problems
                )
            ) from None
        header = [title.strip() for title in rows[0]] if rows else []
        missing = REQUIRED_COLUMNS - set(header)
        if missing:
            raise CommandError(f"{path}: missing column(s): {', '.join(sorted(missing))}")
        return [
            dict(zip(header, row + [""] * (len(header) - len(row)), strict=False))
            for row in rows[1:]
            if any(cell.strip() for cell in row)
        ]

    def _one(self, row, use_worker):
        request = request_from_row(row)
        try:
            run = submit(request)
        except AlreadyProvisioned:
            return "already", ""
        except RequestInvalid as exc:
            return "failed", "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.errors.items())
        except InvalidTemplate as exc:
            return "failed", f"invalid template: {exc}"
        except GoldenSchemaError as exc:
            return "failed", str(exc)
        if use_worker:
            from provisioning.tasks import dispatch

            dispatch(run)
            return "queued", ""
        run = execute(run)
        if run.state == ProvisioningRun.State.DONE:
            detail = f"{run.municipality.site_url()} in {run.duration:.2f} s"
            if run.admin_link:
                detail += f"; administrator's set-password link: {run.admin_link}"
            return "created", detail
        return "failed", run.error
