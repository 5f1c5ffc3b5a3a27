from django.core.management.base import BaseCommand, CommandError

from hamaynk import pagecache
from hamaynk.tenancy.models import Municipality


class Command(BaseCommand):
    help = (
        "The anonymous page cache. `clear` makes every cached page stale (after a release), or "
        "only one municipality's with --municipality SLUG."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["clear"])
        parser.add_argument("--municipality", metavar="SLUG", help="only this municipality's pages")

    def handle(self, action, municipality=None, **options):
        if municipality:
            found = Municipality.objects.filter(slug=municipality).first()
            if found is None:
                raise CommandError(f"No municipality {municipality!r}.")
            pagecache.bump(found.uuid)
            self.stdout.write(f"Cached pages of {found.slug} are stale.")
        else:
            pagecache.clear_all()
            self.stdout.write("Every cached page is stale.")
        if not pagecache.enabled():
            self.stdout.write("(The page cache is off here: PAGE_CACHE.)")
