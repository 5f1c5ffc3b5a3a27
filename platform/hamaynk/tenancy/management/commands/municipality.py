import hashlib
import os
import sys

from django.core.management.base import BaseCommand, CommandError

from hamaynk.backup import operations, postgres


class Command(BaseCommand):
    help = (
        "One municipality's archive: `export SLUG` writes its schema, files and public rows to one file; "
        "`import ARCHIVE` restores it here (see docs/backup.md). Archives hold personal data."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        export = actions.add_parser("export", help="write the municipality's archive")
        export.add_argument("slug")
        export.add_argument(
            "--output",
            metavar="FILE",
            help="the archive to write (default: SLUG-DATE-TIME.hamaynk.tar.gz; - for stdout)",
        )
        restore = actions.add_parser("import", help="restore a municipality from its archive")
        restore.add_argument("archive", help="the archive (- for stdin)")
        restore.add_argument("--slug", help="restore under this subdomain (default: the archive's)")
        restore.add_argument(
            "--domain",
            action="append",
            metavar="HOST",
            help="a domain of its own to give it, instead of the archive's (repeat for more)",
        )
        restore.add_argument("--no-domains", action="store_true", help="leave out the archive's own domains")
        restore.add_argument(
            "--replace",
            action="store_true",
            help="replace the municipality that has this slug (its schema, files and public rows)",
        )
        restore.add_argument(
            "--send-pending",
            action="store_true",
            help="send events and webhook deliveries the archive still owed (only if the source never will)",
        )

    def handle(self, action, **options):
        try:
            if action == "export":
                return self._export(**options)
            return self._import(**options)
        except (operations.BackupError, postgres.ToolMissing) as exc:
            raise CommandError(str(exc)) from None

    def _export(self, slug, output=None, **options):
        to_stdout = output == "-"
        notes = sys.stderr if to_stdout else self.stdout

        def say(message):
            notes.write(message + "\n")

        path = output or operations.archive_name(slug)
        if to_stdout:
            result = operations.export(slug, sys.stdout.buffer, progress=say)
            sys.stdout.buffer.flush()
        else:
            partial = f"{path}.partial"
            try:
                with open(partial, "xb") as handle:
                    result = operations.export(slug, handle, progress=say)
            except BaseException:
                if os.path.exists(partial):
                    os.unlink(partial)
                raise
            os.replace(partial, path)
            digest = hashlib.sha256()
            with open(path, "rb") as handle:
                while chunk := handle.read(1024 * 1024):
                    digest.update(chunk)
        manifest = result.manifest
        outstanding = manifest["outstanding_work"]
        say(
            f"{slug}: archive written{'' if to_stdout else ' to ' + path}: schema {manifest['municipality']['schema']}, "
            f"{len(manifest['migrations'])} migrations, {result.files} files; "
            f"{outstanding['unsent_events']} unsent events, "
            f"{outstanding['pending_webhook_deliveries']} webhook deliveries waiting."
        )
        if not to_stdout:
            say(f"SHA-256 of the archive: {digest.hexdigest()}")
        say("The archive holds personal data: keep it encrypted and access-controlled (docs/backup.md).")

    def _import(self, archive, slug=None, domain=None, no_domains=False, replace=False, send_pending=False, **options):
        source = sys.stdin.buffer if archive == "-" else archive
        if archive != "-" and not os.path.isfile(archive):
            raise CommandError(f"No archive at {archive}.")
        result = operations.import_archive(
            source,
            slug=slug,
            domains=domain,
            keep_domains=not no_domains,
            replace=replace,
            send_pending=send_pending,
            progress=lambda message: self.stdout.write(message),
        )
        municipality = result.municipality
        verb = "replaced" if result.replaced else "restored"
        self.stdout.write(
            self.style.SUCCESS(
                f"{municipality.slug}: {verb} from the archive ({result.files} files, schema {municipality.schema_name})."
            )
        )
        if result.migrations_applied:
            self.stdout.write(f"Migrations applied: {', '.join(result.migrations_applied)}.")
        outstanding = result.outstanding
        if outstanding["unsent_events"] or outstanding["pending_webhook_deliveries"]:
            if result.send_pending:
                self.stdout.write(
                    f"{outstanding['unsent_events']} unsent events and {outstanding['pending_webhook_deliveries']} "
                    "webhook deliveries will be sent from here."
                )
            else:
                self.stdout.write(
                    f"{outstanding['unsent_events']} unsent events were marked sent and "
                    f"{outstanding['pending_webhook_deliveries']} waiting webhook deliveries given up: the deployment "
                    "that made the archive sends them (use --send-pending if it never will)."
                )
        hosts = ", ".join(municipality.domains.order_by("-is_primary", "domain").values_list("domain", flat=True))
        self.stdout.write(f"Reachable at: {hosts}.")
