from django.core.management.base import BaseCommand, CommandError

from provisioning.template_format import InvalidTemplate, load_template


class Command(BaseCommand):
    help = "Template tools. `template check PATH` reports every problem as file, path and reason."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["check"])
        parser.add_argument("path")

    def handle(self, action, path, **options):
        try:
            template = load_template(path)
        except InvalidTemplate as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{len(exc.problems)} problem(s) in {path}", returncode=1) from None
        sections = ", ".join(sorted(template.sections))
        self.stdout.write(self.style.SUCCESS(f"{template.name} {template.version}: valid (sections: {sections})"))
