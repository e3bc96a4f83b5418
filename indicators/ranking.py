"""The public ranking of communes and wards, with small counts suppressed.

Rule (stated on the page): communes are ranked by the share of adults who reached the
basic level (indicator `RANKING_INDICATOR`) when every commune has a population figure;
until then by the number of people who reached it. Equal values share a rank (1, 2, 2, 4),
listed in the order of QĐ 19/2025. Counts of 1–4 people are shown as "dưới 5" and ranked
together, so the ranking reveals nothing a suppressed cell hides.
"""

from __future__ import annotations

from dataclasses import dataclass

from indicators.selectors import CommuneRow, IndicatorValue

RANKING_INDICATOR = "nguoi-dan-co-ky-nang-so-co-ban"
SMALL_COUNT = 5


@dataclass(frozen=True, slots=True)
class RankedCommune:
    rank: int
    row: CommuneRow
    value: IndicatorValue
    suppressed: bool


def suppressed(count: int) -> bool:
    return 0 < count < SMALL_COUNT


def public_count(count: int) -> int | None:
    """The count a public page may show: None for 1–4 people."""
    return None if suppressed(count) else count


def rank_communes(
    rows: list[CommuneRow], indicator_code: str = RANKING_INDICATOR
) -> tuple[list[RankedCommune], bool]:
    """The ranking and whether it is by share (True) or by count (False)."""
    picked = [
        (row, next(v for v in row.values if v.definition.code == indicator_code)) for row in rows
    ]
    by_share = bool(picked) and all(v.value is not None for _row, v in picked)

    def key(item: tuple[CommuneRow, IndicatorValue]) -> float:
        value = item[1]
        if suppressed(value.count):
            return 0.5  # below every shown count of 5 or more, above zero
        if value.count == 0:
            return 0.0
        return (value.value or 0.0) + 1.0 if by_share else float(value.count)

    ordered = sorted(picked, key=lambda item: (-key(item), item[0].commune.qd19_order))
    ranked: list[RankedCommune] = []
    previous: float | None = None
    rank = 0
    for position, item in enumerate(ordered, start=1):
        k = key(item)
        if k != previous:
            rank, previous = position, k
        ranked.append(RankedCommune(rank, item[0], item[1], suppressed(item[1].count)))
    return ranked, by_share
