from django.core.management.base import BaseCommand, CommandError

from provisioning.migrations_all import migrate_all


class Command(BaseCommand):
    help = (
        "Brings the golden schema up to this release, then migrates every active and suspended "
        "municipality that lacks a migration, in parallel; never stops at the first failure."
    )

    def add_arguments(self, parser):
        parser.add_argument("--workers", type=int, default=4)

    def handle(self, workers, verbosity=1, **options):
        def surveyed(found):
            behind = sum(1 for keys in found.pending.values() if keys != ())
            self.stdout.write(
                f"{len(found.pending)} schemas checked against the golden schema's "
                f"{len(found.expected)} migrations in {found.seconds:.2f} s: {behind} to migrate."
            )

        def report(result):
            if verbosity < 1 and result.ok:
                return  # --verbosity 0: the failures and the total only
            mark = self.style.SUCCESS("ok    ") if result.ok else self.style.ERROR("FAILED")
            self.stdout.write(f"{mark} {result.slug:<30} {result.schema:<36} {result.seconds:6.2f} s  {result.summary}")

        results = migrate_all(workers=workers, on_result=report, on_survey=surveyed)
        failed = [r for r in results if not r.ok]
        current = sum(1 for r in results if r.how == "up to date")
        self.stdout.write(
            f"{len(results) - len(failed)} migrated, {len(failed)} failed, of {len(results)} schemas. "
            f"{current} of them were already up to date."
        )
        if failed:
            raise CommandError("Some schemas failed to migrate: see above.", returncode=1)
