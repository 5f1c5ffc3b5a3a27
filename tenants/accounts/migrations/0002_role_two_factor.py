from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="role",
            name="two_factor",
            field=models.BooleanField(default=False, verbose_name="two-factor sign-in"),
        ),
    ]
