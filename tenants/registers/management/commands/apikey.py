from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django_tenants.utils import tenant_context

from hamaynk.tenancy.models import Municipality
from tenants.registers import apikeys
from tenants.registers.models import ApiKey


class Command(BaseCommand):
    help = "Keys of a municipality's registers API (/api/dr/). `create` prints the key once; only its hash is kept."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="issue a key and print it")
        create.add_argument("--name", required=True, help="who or what uses the key")
        create.add_argument("--write", action="store_true", help="the key may change records")
        list_keys = actions.add_parser("list", help="the municipality's keys, without their secrets")
        revoke = actions.add_parser("revoke", help="revoke a key at once")
        revoke.add_argument("prefix")
        for sub in (create, list_keys, revoke):
            sub.add_argument("--municipality", required=True, metavar="SLUG", help="the municipality's slug")

    def handle(self, action, municipality, **options):
        try:
            tenant = Municipality.objects.get(slug=municipality)
        except Municipality.DoesNotExist:
            raise CommandError(f"No municipality “{municipality}”.") from None
        with tenant_context(tenant):
            getattr(self, f"_{action}")(tenant, **options)

    def _create(self, tenant, name, write, **options):
        key, plaintext = apikeys.issue_key(name, can_write=write)
        access = "read and write" if key.can_write else "read only"
        self.stdout.write(
            f"{tenant.slug}: key “{key.name}” ({key.prefix}, {access}). Store it now; it is not shown again:"
        )
        self.stdout.write(plaintext)

    def _list(self, tenant, **options):
        keys = ApiKey.objects.order_by("created_at")
        if not keys:
            self.stdout.write(f"{tenant.slug}: no API keys.")
        for key in keys:
            state = f"revoked {_local(key.revoked_at)}" if key.revoked_at else "active"
            used = _local(key.last_used_at) if key.last_used_at else "never"
            self.stdout.write(
                f"{key.prefix}  {'write' if key.can_write else 'read '}  {state:<24}  "
                f"created {_local(key.created_at)}  last used {used}  {key.name}"
            )

    def _revoke(self, tenant, prefix, **options):
        if not apikeys.revoke(prefix):
            raise CommandError(f"{tenant.slug}: no active key with prefix {prefix}.")
        self.stdout.write(f"{tenant.slug}: key {prefix} revoked.")


def _local(moment):
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"
