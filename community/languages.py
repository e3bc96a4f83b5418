"""A participant's language, remembered on the person so it follows them to any
device: chosen with the language switch (or by a volunteer for them), and brought
back when they identify again."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone, translation

from community.models import Participant

UI_LANGUAGES = frozenset(code for code, _name in settings.LANGUAGES)

# Our language codes are the project's own; some are not BCP 47 tags (`giay`, `nung`,
# `thai`) and `tay` is Atayal there, so text is marked (lang="…") with these ISO 639
# codes instead, which browsers, screen readers and accessibility audits understand.
# Thái: the Black Thai (Tai Dam) of Mường Lò; Dao: Iu Mien, the Red Dao's language;
# Giáy: classed under Bouyei. A linguist should confirm the last three.
BCP47 = {
    "vi": "vi",
    "en": "en",
    "hmn": "hmn",
    "tay": "tyz",
    "dao": "ium",
    "giay": "pcc",
    "nung": "nut",
    "thai": "blt",
}


def bcp47(code: str) -> str:
    return BCP47.get(code, "vi")


def active_language() -> str:
    """The interface language of the request being served."""
    code = translation.get_language() or settings.LANGUAGE_CODE
    return code if code in UI_LANGUAGES else settings.LANGUAGE_CODE


def participant_language_choose(
    *, participant_id: int, language: str, now: dt.datetime | None = None
) -> bool:
    """Remember a deliberate choice; False for a code the interface does not offer."""
    if language not in UI_LANGUAGES:
        return False
    Participant.objects.filter(pk=participant_id).update(
        preferred_language=language, language_chosen_at=now or timezone.now()
    )
    return True


def participant_language_remembered(participant: Participant) -> str | None:
    """The language chosen by (or recorded for) the person; None if never set."""
    chosen = participant.language_chosen_at is not None
    if chosen or participant.preferred_language != settings.LANGUAGE_CODE:
        return participant.preferred_language
    return None


def participant_language_on_arrival(
    *, participant: Participant, device_language: str, now: dt.datetime | None = None
) -> str | None:
    """The language to show a person who has just identified, or None to leave the
    device as it is.

    A language the person chose before, or one recorded for them (not the default),
    wins over the device's: on a shared tablet the cookie is the last person's. A
    first-timer who switched language before identifying keeps that choice, and it
    is remembered for them."""
    remembered = participant_language_remembered(participant)
    if remembered is not None:
        return remembered
    if device_language in UI_LANGUAGES and device_language != settings.LANGUAGE_CODE:
        participant_language_choose(
            participant_id=participant.pk, language=device_language, now=now
        )
        participant.preferred_language = device_language
    return None
