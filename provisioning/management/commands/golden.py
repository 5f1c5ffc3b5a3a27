from django.core.management.base import BaseCommand

from provisioning import golden


class Command(BaseCommand):
    help = "Rebuilds the golden schema after a release's migrations (`golden build`), or reports on it."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["build", "status"])

    def handle(self, action, **options):
        if action == "build":
            seconds = golden.build(verbosity=max(0, options["verbosity"] - 1))
            record = golden.current()
            self.stdout.write(
                self.style.SUCCESS(f"Golden schema {record.name} built in {seconds:.1f} s ({record.tables} tables).")
            )
            return
        try:
            record = golden.current()
        except golden.GoldenSchemaError as exc:
            self.stdout.write(self.style.WARNING(str(exc)))
            return
        self.stdout.write(
            f"Golden schema {record.name}: current, {record.tables} tables, built {record.built_at:%d.%m.%Y %H:%M}."
        )
