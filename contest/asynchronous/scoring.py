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


def never_the_key(qtype: str, shown: list[int], key_order: Sequence[int]) -> list[int]:
    """An ordering question's options in the order shown, never in the key's order.

    The author's order (Option.position) is an ordering question's answer, so showing
    it unshuffled, or shuffled back into it by chance (1 in 6 with three options),
    would hand the answer to the device. Other types are returned as they are.
    """
    if qtype != "ordering" or len(shown) < 2 or list(shown) != list(key_order):
        return shown
    return [*shown[1:], shown[0]]
