"""Demo data made with faker (vi_VN): staff for every role, schools, organisations
and participants spread over the real communes. For demos and load tests only."""

from __future__ import annotations

import random

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, Group
from faker import Faker

from community.models import (
    Commune,
    Organisation,
    Participant,
    School,
    StaffScope,
    TargetGroup,
    Volunteer,
)
from community.roles import Role

# (username, password, role). Printed by the demo command and listed in README.md.
DEMO_STAFF = [
    ("admin", "hocvuso-admin", Role.PROVINCIAL_ADMIN),
    ("tacgia", "hocvuso-tacgia", Role.QUESTION_AUTHOR),
    ("tacgia2", "hocvuso-tacgia2", Role.QUESTION_AUTHOR),
    ("thamdinh", "hocvuso-thamdinh", Role.REVIEWER),
    ("bantochuc", "hocvuso-btc", Role.ORGANISER),
    ("tinhnguyen", "hocvuso-tnv", Role.VOLUNTEER),
    ("canboxa", "hocvuso-canbo", Role.OFFICIAL),
    ("xacminh", "hocvuso-xacminh", Role.VERIFIER),
]
ETHNICITIES = ["Kinh", "Mông", "Tày", "Dao", "Thái", "Giáy", "Nùng", "Mường", "Phù Lá", "Hà Nhì"]
ETHNICITY_WEIGHTS = [40, 18, 16, 12, 3, 2, 3, 2, 2, 2]
LANGUAGE_BY_ETHNICITY = {"Mông": "hmn", "Tày": "tay", "Dao": "dao", "Giáy": "giay"}
SCHOOL_LEVELS = [School.Level.PRIMARY, School.Level.LOWER_SECONDARY, School.Level.UPPER_SECONDARY]
SCHOOL_PREFIX = {
    School.Level.PRIMARY: "Trường Tiểu học",
    School.Level.LOWER_SECONDARY: "Trường THCS",
    School.Level.UPPER_SECONDARY: "Trường THPT",
}


def staff_create() -> list[tuple[str, str, str]]:
    """Create the demo staff users if missing; return (username, password, role label)."""
    User = get_user_model()
    made = []
    lao_cai = Commune.objects.get(code="02647")
    for username, password, role in DEMO_STAFF:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(username=username, password=password)
            assert isinstance(user, AbstractUser)
            user.is_staff = role == Role.PROVINCIAL_ADMIN
            user.is_superuser = role == Role.PROVINCIAL_ADMIN
            user.save()
            user.groups.add(Group.objects.get(name=role.value))
            if role in (Role.OFFICIAL, Role.VOLUNTEER):
                StaffScope.objects.create(user=user, commune=lao_cai)
            if role == Role.VOLUNTEER:
                Volunteer.objects.create(
                    user=user, kind=Volunteer.Kind.DIGITAL_NATIVE, commune=lao_cai
                )
        made.append((username, password, str(role.label)))
    return made


def places_create(seed: int = 2025, schools: int = 60, organisations: int = 20) -> None:
    fake = Faker("vi_VN")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    communes = list(Commune.objects.all())
    for _ in range(schools):
        commune = rng.choice(communes)
        level = rng.choice(SCHOOL_LEVELS)
        School.objects.get_or_create(
            commune=commune,
            name=f"{SCHOOL_PREFIX[level]} {commune.name}",
            defaults={"level": level, "enrolment": rng.randint(150, 900)},
        )
    for _ in range(organisations):
        commune = rng.choice(communes)
        kind = rng.choice(list(Organisation.Kind))
        name = f"UBND {commune.full_name}" if kind == Organisation.Kind.AGENCY else fake.company()
        Organisation.objects.get_or_create(
            commune=commune,
            name=name,
            defaults={"kind": kind, "staff_count": rng.randint(10, 200)},
        )


def participants_create(count: int, seed: int = 2025) -> int:
    fake = Faker("vi_VN")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    communes = list(Commune.objects.all())
    groups = {g.code: g for g in TargetGroup.objects.all()}
    schools = list(School.objects.all())
    organisations = list(Organisation.objects.all())
    made = 0
    for _ in range(count):
        group = rng.choices(list(groups), weights=[60, 25, 10, 5])[0]
        birth_year = rng.randint(2008, 2014) if group == "student" else rng.randint(1950, 2006)
        ethnicity = rng.choices(ETHNICITIES, weights=ETHNICITY_WEIGHTS)[0]
        gender = rng.choice([Participant.Gender.FEMALE, Participant.Gender.MALE])
        century_digit = (0 if birth_year < 2000 else 2) + (1 if gender == "female" else 0)
        participant = Participant(
            full_name=fake.name_female() if gender == "female" else fake.name_male(),
            target_group=groups[group],
            commune=rng.choice(communes),
            birth_year=birth_year,
            gender=gender,
            ethnicity=ethnicity,
            preferred_language=LANGUAGE_BY_ETHNICITY.get(ethnicity, "vi"),
            phone="0" + rng.choice("35789") + f"{rng.randrange(10**8):08d}",
            citizen_id=f"015{century_digit}{birth_year % 100:02d}{rng.randrange(10**6):06d}",
        )
        if group == "student" and schools:
            participant.school = rng.choice(schools)
            participant.commune = participant.school.commune
            participant.class_name = f"{rng.randint(6, 12)}A{rng.randint(1, 5)}"
        elif group in ("worker", "public_servant") and organisations:
            participant.organisation = rng.choice(organisations)
        if _citizen_id_taken(participant):
            continue  # faker drew a number already used
        participant.save()
        made += 1
    return made


def _citizen_id_taken(participant: Participant) -> bool:
    from community.personal_data import keyed_hash

    return Participant.objects.filter(
        citizen_id_hash=keyed_hash("cccd", participant.citizen_id)
    ).exists()
