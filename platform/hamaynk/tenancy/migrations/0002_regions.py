"""The ten regions (marzer) of Armenia and Yerevan: national reference data."""
from django.db import migrations

REGIONS = [
    ("aragatsotn", "Արագածոտն", "Aragatsotn", "Арагацотн"),
    ("ararat", "Արարատ", "Ararat", "Арарат"),
    ("armavir", "Արմավիր", "Armavir", "Армавир"),
    ("gegharkunik", "Գեղարքունիք", "Gegharkunik", "Гехаркуник"),
    ("kotayk", "Կոտայք", "Kotayk", "Котайк"),
    ("lori", "Լոռի", "Lori", "Лори"),
    ("shirak", "Շիրակ", "Shirak", "Ширак"),
    ("syunik", "Սյունիք", "Syunik", "Сюник"),
    ("tavush", "Տավուշ", "Tavush", "Тавуш"),
    ("vayots-dzor", "Վայոց ձոր", "Vayots Dzor", "Вайоц Дзор"),
    ("yerevan", "Երևան", "Yerevan", "Ереван"),
]


def add_regions(apps, schema_editor):
    Region = apps.get_model("tenancy", "Region")
    for position, (code, hy, en, ru) in enumerate(REGIONS):
        Region.objects.update_or_create(code=code, defaults={
            "name_hy": hy, "name_en": en, "name_ru": ru, "position": position})


class Migration(migrations.Migration):
    dependencies = [("tenancy", "0001_initial")]
    operations = [migrations.RunPython(add_regions, migrations.RunPython.noop)]
