from django.core.management.base import BaseCommand, CommandError

from provisioning.migrations_all import migrate_all


class Command(BaseCommand):
    help = "Migrates every active and suspended municipality in parallel; never stops at the first failure."

    def add_arguments(self, parser):
        parser.add_argument("--workers", type=int, default=4)

    def handle(self, workers, **options):
        def report(result):
            mark = self.style.SUCCESS("ok    ") if result.ok else self.style.ERROR("FAILED")
            line = f"{mark} {result.slug:<30} {result.schema:<36} {result.seconds:6.2f} s"
            self.stdout.write(line + (f"  {result.error}" if result.error else ""))

        results = migrate_all(workers=workers, on_result=report)
        failed = [r for r in results if not r.ok]
        self.stdout.write(f"{len(results) - len(failed)} migrated, {len(failed)} failed, of {len(results)} schemas.")
        if failed:
            raise CommandError("Some schemas failed to migrate: see above.", returncode=1)
