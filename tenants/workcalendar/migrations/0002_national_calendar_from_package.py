"""National holidays now come from the `holidays` package instead of rows copied from the
template for a few years. The rows the template wrote are dropped where the national calendar
says the same of that day (both non-working, or both working); what remains — a day the
municipality or the ministry added, moved or made working — stays as the municipality's own day
and overrides the national calendar. Nothing is lost: the dropped days are served from the
package, which also has those the template lacked (27 January from 2026)."""
import holidays
from django.db import migrations, models


def keep_only_local_days(apps, schema_editor):
    Holiday = apps.get_model("workcalendar", "Holiday")
    CalendarSettings = apps.get_model("workcalendar", "CalendarSettings")
    settings_row = CalendarSettings.objects.first()
    country = settings_row.country if settings_row else "AM"
    years = sorted({d.year for d in Holiday.objects.dates("date", "year")})
    if not years:
        return
    national = holidays.country_holidays(country, years=years)
    worked = set(getattr(national, "weekend_workdays", ()))
    same = []
    for row in Holiday.objects.all():
        if row.kind == "working_day" and row.date in worked:
            same.append(row.pk)
        elif row.kind != "working_day" and row.date in national:
            same.append(row.pk)
    Holiday.objects.filter(pk__in=same).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('workcalendar', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='calendarsettings',
            name='country',
            field=models.CharField(default='AM', max_length=2),
        ),
        migrations.AddField(
            model_name='holiday',
            name='every_year',
            field=models.BooleanField(default=False, verbose_name='every year'),
        ),
        migrations.AlterField(
            model_name='holiday',
            name='kind',
            field=models.CharField(choices=[('holiday', 'public holiday'), ('remembrance', 'day of remembrance'),
                                            ('working_day', 'working day')],
                                   default='holiday', max_length=16, verbose_name='kind'),
        ),
        migrations.RunPython(keep_only_local_days, migrations.RunPython.noop),
    ]
