"""The national calendar from the `holidays` package: public holidays, days of remembrance and
days off moved by government decision, with their names in Armenian, English and Russian.

The package is maintained against each year's law (it added 27 January from 2026), so a new
year needs no template edit. It names Armenia's days in Armenian and English; Russian names come
from the table below, keyed by the English name, and a day the table does not know yet falls
back to its English name rather than to nothing.

A year is computed once per process and kept (`days_of_year`); deadline arithmetic reads those
dictionaries and never asks the package about single days."""

import re
from functools import lru_cache

import holidays

from .models import Holiday

RUSSIAN = {
    "New Year's Day": "Новый год",
    "New Year's Eve": "Канун Нового года",
    "Christmas Holidays": "Рождественские праздники",
    "Christmas and Epiphany": "Рождество и Богоявление",
    "Day of Remembrance of the Dead": "День поминовения усопших",
    "Day of Remembrance for the Fallen Defenders of the Fatherland": "День памяти павших защитников Отечества",
    "Army Day": "День армии",
    "Women's Day": "Международный женский день",
    "International Women's Day": "Международный женский день",
    "Motherhood and Beauty Day": "День материнства и красоты",
    "Day of Remembrance of the Victims of Armenian Genocide": "День памяти жертв Геноцида армян",
    "Day of Remembrance of the Victims of Genocide": "День памяти жертв Геноцида",
    "Labor Day": "День труда",
    "International Day of Workers' Solidarity": "Международный день солидарности трудящихся",
    "Victory and Peace Day": "День Победы и мира",
    "Republic Day": "День Республики",
    "Constitution Day": "День Конституции",
    "Independence Day": "День независимости",
}
# Days off moved by decision: the package names them "Day off (substituted from MM/DD/YYYY)".
MOVED = re.compile(r"^Day off \(substituted from (\d\d)/(\d\d)/(\d{4})\)$")
MOVED_NAMES = {
    "hy": "Հանգստյան օր (տեղափոխված {date}-ից)",
    "en": "Day off (moved from {date})",
    "ru": "Выходной день (перенесён с {date})",
}
# The weekend day worked in exchange, which the package lists without a name.
WORKED_WEEKEND = {
    "hy": "Աշխատանքային օր (տեղափոխված հանգստյան օրվա փոխարեն)",
    "en": "Working day (in exchange for a moved day off)",
    "ru": "Рабочий день (вместо перенесённого выходного)",
}
LANGUAGES = {"hy": "hy", "en": "en_US"}


def supports(country):
    return country in holidays.list_supported_countries()


@lru_cache(maxsize=256)
def days_of_year(country, year):
    """{date: (kind, {hy, en, ru})} of one year's national calendar; cached per process and
    shared, so callers copy rather than change it."""
    names = {
        language: holidays.country_holidays(country, years=year, language=code) for language, code in LANGUAGES.items()
    }
    english = names["en"]
    days = {}
    for date in sorted(english):
        texts = {language: "; ".join(names[language].get_list(date)) for language in LANGUAGES}
        parts = english.get_list(date)
        moved = MOVED.match(parts[0]) if len(parts) == 1 else None
        if moved:
            month, day, from_year = moved.groups()
            shown = f"{day}.{month}.{from_year}"
            texts = {language: text.format(date=shown) for language, text in MOVED_NAMES.items()}
        else:
            texts["ru"] = "; ".join(RUSSIAN.get(part, part) for part in parts)
        kind = Holiday.Kind.REMEMBRANCE if any("Remembrance" in part for part in parts) else Holiday.Kind.HOLIDAY
        days[date] = (kind, texts)
    for date in getattr(english, "weekend_workdays", ()):
        if date.year == year:
            days[date] = (Holiday.Kind.WORKING_DAY, dict(WORKED_WEEKEND))
    return days
