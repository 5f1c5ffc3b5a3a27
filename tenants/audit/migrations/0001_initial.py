from django.db import migrations, models

# The database refuses to change or delete an entry, whatever the client. The function lives in
# the public schema, so every schema's trigger calls the same one and the golden schema's copy
# (which re-creates triggers, not functions) keeps working; the public schema is migrated first,
# the check spares the other schemas from replacing it concurrently.
APPEND_ONLY = """
DO $$
BEGIN
    IF to_regprocedure('public.hamaynk_audit_append_only()') IS NULL THEN
        CREATE FUNCTION public.hamaynk_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $f$
        BEGIN
            RAISE EXCEPTION 'audit entries are append-only: % refused', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END
        $f$;
    END IF;
END
$$;
CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry
    FOR EACH ROW EXECUTE FUNCTION public.hamaynk_audit_append_only();
CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry
    FOR EACH STATEMENT EXECUTE FUNCTION public.hamaynk_audit_append_only();
"""
DROP_TRIGGERS = """
DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry;
DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_entry;
"""


class Migration(migrations.Migration):

    initial = True

    dependencies = [
    ]

    operations = [
        migrations.CreateModel(
            name='Entry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(db_index=True, verbose_name='when')),
                ('actor_kind', models.CharField(max_length=16, verbose_name='who')),
                ('actor_id', models.BigIntegerField(blank=True, null=True)),
                ('actor_label', models.CharField(blank=True, max_length=254)),
                ('address', models.GenericIPAddressField(blank=True, null=True, verbose_name='address')),
                ('object_type', models.CharField(max_length=100, verbose_name='kind of object')),
                ('object_id', models.CharField(blank=True, max_length=64)),
                ('object_label', models.CharField(blank=True, max_length=300, verbose_name='object')),
                ('action', models.CharField(max_length=32, verbose_name='action')),
                ('changes', models.JSONField(blank=True, default=dict)),
            ],
            options={
                'verbose_name': 'audit entry',
                'verbose_name_plural': 'audit entries',
                'ordering': ['-at', '-id'],
                'default_permissions': ('view',),
                'indexes': [models.Index(fields=['actor_kind', 'actor_id'], name='audit_entry_actor'), models.Index(fields=['object_type', 'object_id'], name='audit_entry_object')],
            },
        ),
        migrations.RunSQL(APPEND_ONLY, DROP_TRIGGERS),
    ]
