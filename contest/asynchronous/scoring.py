"""Whether an answer is right. Pure: options come in as (id, is_correct) in the
author's order, which for ordering questions is the correct order."""

from __future__ import annotations

from collections.abc import Sequence

ORDERED_TYPES = ("ordering",)
SINGLE_TYPES = ("single", "true_false", "image")


def choice_problem(qtype: str, option_ids: Sequence[int], choice: Sequence[int]) -> str | None:
    """A code for what is wrong with `choice`, or None when it is well formed."""
    if any(c not in option_ids for c in choice):
        return "unknown_option"
    if len(set(choice)) != len(choice):
        return "repeated_option"
    if qtype in SINGLE_TYPES and len(choice) != 1:
        return "one_option"
    if qtype == "multiple" and not choice:
        return "no_option"
    if qtype in ORDERED_TYPES and sorted(choice) != sorted(option_ids):
        return "order_all"
    return None


def is_correct(qtype: str, options: Sequence[tuple[int, bool]], choice: Sequence[int]) -> bool:
    if qtype in ORDERED_TYPES:
        return list(choice) == [option_id for option_id, _ in options]
    return set(choice) == {option_id for option_id, correct in options if correct}
