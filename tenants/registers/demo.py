"""Realistic demo records (Armenian names, streets and documents) for the demo municipalities
and the registers benchmark. Deterministic for a given seed."""

import datetime
import random

from django.db import transaction

from . import imports, services
from .models import Register

FEMALE = [
    "Անի",
    "Մարիամ",
    "Նարե",
    "Լիլիթ",
    "Գայանե",
    "Սոնա",
    "Արմինե",
    "Հասմիկ",
    "Տաթևիկ",
    "Աննա",
    "Մանե",
    "Սիրանուշ",
    "Զարուհի",
    "Լուսինե",
    "Նունե",
    "Էլեն",
    "Ռուզաննա",
    "Գոհար",
    "Սուսաննա",
    "Մելինե",
]
MALE = [
    "Արամ",
    "Դավիթ",
    "Գոռ",
    "Տիգրան",
    "Արմեն",
    "Հայկ",
    "Նարեկ",
    "Սամվել",
    "Վահե",
    "Կարեն",
    "Արտակ",
    "Գագիկ",
    "Սուրեն",
    "Հովհաննես",
    "Արսեն",
    "Մհեր",
    "Էդգար",
    "Ռուբեն",
    "Վարդան",
    "Աշոտ",
]
SURNAMES = [
    "Հակոբյան",
    "Սարգսյան",
    "Պետրոսյան",
    "Խաչատրյան",
    "Գրիգորյան",
    "Հարությունյան",
    "Ավետիսյան",
    "Մկրտչյան",
    "Կարապետյան",
    "Վարդանյան",
    "Ղազարյան",
    "Հովհաննիսյան",
    "Մարտիրոսյան",
    "Սահակյան",
    "Գևորգյան",
    "Մանուկյան",
    "Բաղդասարյան",
    "Առաքելյան",
    "Ստեփանյան",
    "Դավթյան",
    "Աբրահամյան",
    "Մովսիսյան",
    "Եղիազարյան",
    "Թովմասյան",
    "Զաքարյան",
    "Ալեքսանյան",
    "Համբարձումյան",
    "Ներսիսյան",
]
STREETS = [
    "Բաղրամյան",
    "Մաշտոցի",
    "Շահումյան",
    "Իսահակյան",
    "Չարենցի",
    "Թումանյան",
    "Սայաթ-Նովայի",
    "Նժդեհի",
    "Անդրանիկի",
    "Գարեգին Նժդեհի",
    "Խորենացու",
    "Աբովյան",
    "Րաֆֆու",
    "Երիտասարդական",
    "Կամոյի",
    "Ազատության",
    "Հանրապետության",
    "Այգեստանի",
    "Սպանդարյան",
    "Վազգեն Սարգսյանի",
]
BUSINESSES = [
    ("Արև", "Հացաբուլկեղենի արտադրություն"),
    ("Լուսաստղ", "Մթերային խանութ"),
    ("Սարալանջ", "Հյուրատուն"),
    ("Կաթնաշխարհ", "Կաթնամթերքի արտադրություն"),
    ("Ճարտար", "Շինարարություն"),
    ("Բարեկամ", "Սրճարան"),
    ("Այգի", "Պտղաբուծություն"),
    ("Վարպետ", "Ավտոտեխսպասարկում"),
    ("Մեղրաձոր", "Մեղվաբուծություն"),
    ("Նոր տուն", "Շինանյութերի վաճառք"),
]
DECISIONS = [
    "Համայնքի {y} թվականի բյուջեն հաստատելու մասին",
    "Տեղական տուրքերի և վճարների դրույքաչափերը սահմանելու մասին",
    "Համայնքային սեփականություն հանդիսացող հողամասն աճուրդով օտարելու մասին",
    "Համայնքի զարգացման հնգամյա ծրագիրը հաստատելու մասին",
    "Մանկապարտեզի ծառայությունների վճարը սահմանելու մասին",
    "Փողոցային լուսավորության ծրագիրը հաստատելու մասին",
    "Համայնքի ավագանու աշխատակարգում փոփոխություն կատարելու մասին",
    "Սոցիալական աջակցության ծրագիրը հաստատելու մասին",
]


def resident_rows(count, settlements, seed=1, first_psn=1000000000):
    """CSV rows (header first) of `count` residents spread over `settlements`."""
    rng = random.Random(seed)
    rows = [["psn", "last_name", "first_name", "patronymic", "birth_date", "sex", "address", "registered_on", "status"]]
    today = datetime.date(2026, 1, 1)
    for n in range(count):
        female = rng.random() < 0.52
        born = today - datetime.timedelta(days=rng.randint(0, 90 * 365))
        settlement = rng.choice(settlements)
        address = f"{settlement}, {rng.choice(STREETS)}, {rng.randint(1, 120)}" + (
            f", {rng.randint(1, 60)}" if rng.random() < 0.4 else ""
        )
        rows.append(
            [
                str(first_psn + n),
                rng.choice(SURNAMES),
                rng.choice(FEMALE if female else MALE),
                rng.choice(MALE) + "ի",
                born.strftime("%d.%m.%Y"),
                "female" if female else "male",
                address,
                min(born + datetime.timedelta(days=rng.randint(0, 365)), today).strftime("%d.%m.%Y")
                if born.year > 1990
                else "",
                rng.choices(["registered", "moved_out", "deceased"], weights=[90, 8, 2])[0],
            ]
        )
    return rows


@transaction.atomic
def seed(settlements, residents=300, seed_value=1):
    """Fills the current municipality's registers with demo records, once."""
    if services.records("residents").exists():
        return False
    rng = random.Random(seed_value)
    imports.run(Register.objects.get(code="residents"), resident_rows(residents, settlements, seed_value))
    streets = [
        services.create(
            "streets",
            {
                "name": name,
                "settlement": settlements[0],
                "official": True,
                "kind": "avenue" if i % 7 == 0 else "street",
                "length_m": rng.randint(200, 2500),
            },
        )
        for i, name in enumerate(STREETS[:12])
    ]
    for _record in range(30):
        services.create(
            "addresses",
            {"street": str(rng.choice(streets).uuid), "building": str(rng.randint(1, 90)), "postal_code": "0401"},
        )
    parcels = []
    for i in range(40):
        parcels.append(
            services.create(
                "land_parcels",
                {
                    "cadastral_code": f"07-001-{rng.randint(1, 999):04d}-{i + 1:04d}",
                    "address": f"{settlements[0]}, {rng.choice(STREETS)}, {rng.randint(1, 90)}",
                    "area_m2": f"{rng.randint(300, 5000)}.{rng.randint(0, 99):02d}",
                    "purpose": rng.choice(["residential", "agricultural", "public"]),
                    "ownership": rng.choice(["community", "private", "private", "state"]),
                },
            )
        )
    for i in range(25):
        services.create(
            "buildings",
            {
                "address": f"{settlements[0]}, {rng.choice(STREETS)}, {rng.randint(1, 90)}",
                "parcel": str(rng.choice(parcels).uuid),
                "purpose": rng.choice(["residential", "public", "commercial"]),
                "floors": rng.randint(1, 9),
                "year_built": rng.randint(1950, 2025),
                "permit_number": f"ՇԹ-{2015 + i % 11}/{i + 1:03d}",
            },
        )
    for i, (name, activity) in enumerate(BUSINESSES):
        services.create(
            "businesses",
            {
                "tin": f"{rng.randint(10000000, 99999999)}",
                "name": f"«{name}» ՍՊԸ",
                "legal_form": "llc",
                "activity": activity,
                "address": f"{settlements[0]}, {rng.choice(STREETS)}, {i + 1}",
                "sells_alcohol": activity in ("Մթերային խանութ", "Սրճարան", "Հյուրատուն"),
            },
        )
    for i, title in enumerate(DECISIONS):
        services.create(
            "council_decisions",
            {
                "number": f"N {i + 1:02d}-Ն",
                "date": f"{10 + i}.0{1 + i % 9}.2026",
                "title": title.format(y=2026),
                "text": "Ղեկավարվելով «Տեղական ինքնակառավարման մասին» օրենքով՝ համայնքի ավագանին որոշում է․ "
                "1. Հաստատել առաջարկը։ 2. Որոշումն ուժի մեջ է մտնում պաշտոնական հրապարակմանը հաջորդող օրվանից։",
                "votes_for": rng.randint(7, 11),
                "votes_against": rng.randint(0, 2),
                "votes_abstained": rng.randint(0, 1),
                "status": "adopted",
                "published": True,
            },
        )
    incoming = []
    for i in range(12):
        incoming.append(
            services.create(
                "correspondence_in",
                {
                    "reg_number": f"Մ-{i + 1:04d}/2026",
                    "received_on": f"{1 + i}.03.2026",
                    "sender": rng.choice(["ՀՀ տարածքային կառավարման նախարարություն", "Մարզպետարան", "Քաղաքացի"]),
                    "subject": rng.choice(
                        [
                            "Հարցում բնակչության թվաքանակի մասին",
                            "Դիմում հողամասի վերաբերյալ",
                            "Տեղեկատվության տրամադրում",
                        ]
                    ),
                    "status": rng.choice(["registered", "in_progress", "answered"]),
                },
            )
        )
    for i in range(8):
        services.create(
            "correspondence_out",
            {
                "reg_number": f"Ե-{i + 1:04d}/2026",
                "sent_on": f"{5 + i}.03.2026",
                "recipient": "Մարզպետարան",
                "subject": "Պատասխան հարցմանը",
                "in_reply_to": str(incoming[i].uuid),
                "signed_by": "Համայնքի ղեկավար",
            },
        )
    return True
