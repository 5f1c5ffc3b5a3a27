"""The output document names its signatory, and the verification page shows it. Documents issued
before printed the signer's name only: those cases get that name (from the event that issued the
document) and no position, which is what their paper says."""
from django.db import migrations, models


def name_signatories(apps, schema_editor):
    CaseFile = apps.get_model("cases", "CaseFile")
    Case = apps.get_model("cases", "Case")
    outputs = CaseFile.objects.filter(kind="output", case__verification_code__isnull=False, event__user__isnull=False)
    for output in outputs.select_related("event__user"):
        user = output.event.user
        name = f"{user.first_name} {user.last_name}".strip()
        if name:
            Case.objects.filter(pk=output.case_id).update(signatory_name=name)


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0002_grant_case_permissions'),
    ]

    operations = [
        migrations.AddField(
            model_name='case',
            name='signatory_name',
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AddField(
            model_name='case',
            name='signatory_position',
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(name_signatories, migrations.RunPython.noop),
    ]
