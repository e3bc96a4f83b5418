"""Helpers for indicator tests: certificate rows made directly (no signing), so counting
can be tested fast; the hook sees them exactly as it sees issued ones."""

from __future__ import annotations

import datetime as dt
import itertools
import re

from django.contrib.auth.models import Group, User

from certification.models import Certificate, IssuingKey, StatusList
from community.models import Participant, StaffScope
from community.roles import Role
from indicators.counting import LOCAL_TZ
from tests.contest_fixtures import person

_index = itertools.count(1)


def at(day: str, hour: int = 12) -> dt.datetime:
    d = dt.date.fromisoformat(day)
    return dt.datetime(d.year, d.month, d.day, hour, tzinfo=LOCAL_TZ)


def resident(
    name: str = "Giàng A Lử", commune: str = "02647", group: str = "resident"
) -> Participant:
    phone = f"09120{next(_index):05d}"
    return person(name, phone=phone, commune=commune, group=group)


def certificate(
    who: Participant,
    *,
    level: str = "CB2",
    issued: str | dt.datetime = "2025-08-01",
    until: str | None = None,
    kind: str = Certificate.Kind.PLACEMENT,
    code: str | None = None,
) -> Certificate:
    key = IssuingKey.objects.filter(purpose=IssuingKey.Purpose.ISSUING).first()
    if key is None:
        key = IssuingKey.objects.create(kid="00" * 8, public_key_multibase="z-test-key")
    status_list = StatusList.objects.first() or StatusList.objects.create()
    n = next(_index)
    start = issued if isinstance(issued, dt.datetime) else at(issued)
    return Certificate.objects.create(
        serial=f"TEST-{n:06d}",
        kind=kind,
        participant=who,
        source_type="test",
        source_id=str(n),
        achievement_code=code or f"KNS-CB-4-{level}",
        achievement_name="Mức kỹ năng số",
        level_code=level,
        issued_at=start,
        valid_from=start,
        valid_until=at(until) if until else None,
        status_list=status_list,
        status_list_index=n,
        issuing_key=key,
        commune_code=who.commune_id,
        target_group_code=who.target_group_id,
    )


def staff(username: str, role: Role, commune: str | None = None) -> User:
    user = User.objects.create_user(username=username, password="pw-" + username)
    user.groups.add(Group.objects.get(name=role.value))
    if commune is not None:
        StaffScope.objects.create(user=user, commune_id=commune)
    return User.objects.get(pk=user.pk)


def cells(html: str, *within: str) -> list[str]:
    """The text of the cells of the first element marked by each attribute in turn, e.g.
    cells(page, 'data-indicator="x"', 'data-period="2025-Q3"') for one row of a table."""
    for marker in within:
        start = html.index(marker)
        tag = start if marker.startswith("<") else html.rindex("<", 0, start)
        name = re.match(r"<(\w+)", html[tag:])
        assert name is not None
        html = html[tag : html.index(f"</{name.group(1)}>", start)]
    found = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", html, flags=re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in found]
