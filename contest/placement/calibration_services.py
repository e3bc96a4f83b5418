"""Calibration and DIF from collected placement responses: read the responses as a
session × version matrix, fit, store proposals, and accept or reject them.

The numerical work lives in `calibration` and `dif` (no Django); this module only reads
and writes rows. Accepting a proposal copies the parameters onto the question version:
IRT fields are not frozen content, so a published version takes them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from contest.placement import calibration, dif
from contest.placement.bank import PRETEST_TAG
from contest.placement.calibration import Calibration, ItemEstimate
from contest.placement.dif import FOCAL, OUTSIDE, REFERENCE
from contest.placement.models import CalibrationProposal, PlacementResponse, PlacementSession
from question_banks.models import QuestionVersion

Grouping = Literal["language", "age", "ethnicity", "assisted"]
GROUPINGS: tuple[Grouping, ...] = ("language", "age", "ethnicity", "assisted")
# What each grouping compares: (reference, focal).
GROUP_LABELS: dict[Grouping, tuple[str, str]] = {
    "language": ("tiếng Việt", "ngôn ngữ khác"),
    "age": ("dưới 50 tuổi", "từ 50 tuổi"),
    "ethnicity": ("Kinh", "dân tộc khác"),
    "assisted": ("tự làm", "có người hỗ trợ"),
}
AGE_BAND = 50
MAJORITY_ETHNICITY = "kinh"


@dataclass(frozen=True, eq=False)
class ResponseMatrix:
    sessions: tuple[int, ...]  # session id of each row
    versions: tuple[int, ...]  # version id of each column
    values: npt.NDArray[np.float64]  # 1 right, 0 wrong, NaN not administered
    pretest: npt.NDArray[np.bool_]  # the answer was given while the item was pretest


@dataclass(frozen=True, eq=False)
class CalibrationRun:
    matrix: ResponseMatrix
    fit: Calibration
    anchors: frozenset[int]  # version ids held at their calibrated parameters
    current: dict[int, QuestionVersion]  # the versions as they are now, by id


def response_matrix(*, exclude_assisted: bool = False) -> ResponseMatrix:
    """Every placement response, scored and pretest alike, one row per session."""
    rows = PlacementResponse.objects.order_by("session_id", "position")
    if exclude_assisted:
        rows = rows.filter(session__assisted=False)
    triples = list(rows.values_list("session_id", "version_id", "correct", "pretest"))
    sessions = tuple(sorted({t[0] for t in triples}))
    versions = tuple(sorted({t[1] for t in triples}))
    row_of = {s: i for i, s in enumerate(sessions)}
    column_of = {v: j for j, v in enumerate(versions)}
    values = np.full((len(sessions), len(versions)), np.nan)
    pretest = np.zeros(values.shape, dtype=np.bool_)
    for session_id, version_id, correct, was_pretest in triples:
        cell = row_of[session_id], column_of[version_id]
        values[cell] = 1.0 if correct else 0.0  # a repeat keeps the later answer
        pretest[cell] = was_pretest
    return ResponseMatrix(sessions=sessions, versions=versions, values=values, pretest=pretest)


def calibration_run(
    *,
    model: calibration.Model = "rasch",
    anchor: bool = False,
    min_2pl: int = 500,
    exclude_assisted: bool = False,
    progress: calibration.Progress | None = None,
) -> CalibrationRun:
    """Fit the bank to the responses; with `anchor`, calibrated versions stay fixed and
    the rest land on their scale. With model 2PL only items with `min_2pl` answers get a
    slope of their own."""
    matrix = response_matrix(exclude_assisted=exclude_assisted)
    current = QuestionVersion.objects.select_related("question").in_bulk(matrix.versions)
    anchors: dict[int, tuple[float, float]] = {}
    if anchor:
        for j, version_id in enumerate(matrix.versions):
            version = current[version_id]
            if version.irt_calibrated_at is not None:
                anchors[j] = (version.irt_a, version.irt_b)
    counts = (~np.isnan(matrix.values)).sum(axis=0)
    fit = calibration.calibrate(
        matrix.values,
        model=model,
        anchors=anchors,
        free_slopes=counts >= min_2pl,
        progress=progress,
    )
    anchored = frozenset(matrix.versions[j] for j in anchors)
    return CalibrationRun(matrix=matrix, fit=fit, anchors=anchored, current=current)


def calibration_propose(
    *, run: CalibrationRun, min_n: int = 100, now: dt.datetime | None = None
) -> list[CalibrationProposal]:
    """A pending proposal for each newly estimated item with at least `min_n` answers."""
    now = now or timezone.now()
    proposals = [
        _proposal(run.matrix.versions[item.index], item, now)
        for item in run.fit.items
        if item.status == "estimated" and item.n >= min_n
    ]
    return CalibrationProposal.objects.bulk_create(proposals)


def _proposal(version_id: int, item: ItemEstimate, now: dt.datetime) -> CalibrationProposal:
    assert item.a is not None and item.b is not None
    return CalibrationProposal(
        version_id=version_id,
        model=item.model,
        a=item.a,
        b=item.b,
        se_b=item.se_b,
        sample_size=item.n,
        infit=item.infit,
        outfit=item.outfit,
        created_at=now,
    )


def proposal_accept(
    *, proposal_ids: Sequence[int], by: User, now: dt.datetime | None = None
) -> list[CalibrationProposal]:
    """Copy each proposal's parameters onto its version; a pretest item graduates (loses
    its pretest tag). Other pending proposals for the same version are rejected."""
    now = now or timezone.now()
    with transaction.atomic():
        proposals = _pending(proposal_ids)
        for proposal in proposals:
            version = proposal.version
            version.irt_model = proposal.model
            version.irt_a = proposal.a
            version.irt_b = proposal.b
            version.irt_sample_size = proposal.sample_size
            version.irt_calibrated_at = now
            version.save(
                update_fields=[
                    "irt_model",
                    "irt_a",
                    "irt_b",
                    "irt_sample_size",
                    "irt_calibrated_at",
                ]
            )
            version.tags.remove(*version.tags.filter(slug=PRETEST_TAG))
            _decide(proposal, CalibrationProposal.Status.ACCEPTED, by, now)
            CalibrationProposal.objects.filter(
                version=version, status=CalibrationProposal.Status.PENDING
            ).update(status=CalibrationProposal.Status.REJECTED, decided_by=by, decided_at=now)
    return proposals


def proposal_reject(
    *, proposal_ids: Sequence[int], by: User, now: dt.datetime | None = None
) -> list[CalibrationProposal]:
    now = now or timezone.now()
    with transaction.atomic():
        proposals = _pending(proposal_ids)
        for proposal in proposals:
            _decide(proposal, CalibrationProposal.Status.REJECTED, by, now)
    return proposals


def _pending(proposal_ids: Sequence[int]) -> list[CalibrationProposal]:
    proposals = list(
        CalibrationProposal.objects.select_for_update()
        .select_related("version")
        .filter(pk__in=proposal_ids)
        .order_by("pk")
    )
    missing = set(proposal_ids) - {p.pk for p in proposals}
    if missing:
        raise CalibrationProposal.DoesNotExist(f"no proposal {sorted(missing)}")
    decided = [p.pk for p in proposals if p.status != CalibrationProposal.Status.PENDING]
    if decided:
        raise ValueError(f"proposals {decided} were already decided")
    return proposals


def _decide(proposal: CalibrationProposal, status: str, by: User, now: dt.datetime) -> None:
    proposal.status = status
    proposal.decided_by = by
    proposal.decided_at = now
    proposal.save(update_fields=["status", "decided_by", "decided_at"])


# --- DIF -------------------------------------------------------------------------------------


def matching_abilities(matrix: ResponseMatrix) -> dif.AbilityFrom:
    """EAP ability per session from its scored (non-pretest) answers to the chosen
    columns, with the bank's current parameters: what DIF analyses match people on."""
    versions = QuestionVersion.objects.in_bulk(matrix.versions)
    a = [versions[v].irt_a for v in matrix.versions]
    b = [versions[v].irt_b for v in matrix.versions]
    scored = np.where(matrix.pretest, np.nan, matrix.values)

    def ability_from(columns: npt.NDArray[np.bool_]) -> npt.NDArray[np.float64]:
        chosen = np.where(columns[None, :], scored, np.nan)
        theta, _ = calibration.eap_abilities(chosen, a, b)
        theta[np.isnan(chosen).all(axis=1)] = np.nan
        return theta

    return ability_from


def session_groups(matrix: ResponseMatrix, grouping: Grouping) -> npt.NDArray[np.int64]:
    """REFERENCE, FOCAL or OUTSIDE for each session of the matrix."""
    rows = PlacementSession.objects.filter(pk__in=matrix.sessions).values_list(
        "pk",
        "assisted",
        "started_at",
        "participant__preferred_language",
        "participant__birth_year",
        "participant__ethnicity",
    )
    codes = {row[0]: _group_code(grouping, *row[1:]) for row in rows}
    return np.array([codes.get(s, OUTSIDE) for s in matrix.sessions], dtype=np.int64)


def _group_code(
    grouping: Grouping,
    assisted: bool,
    started_at: dt.datetime,
    language: str,
    birth_year: int | None,
    ethnicity: str,
) -> int:
    if grouping == "language":
        return REFERENCE if language == "vi" else FOCAL
    if grouping == "assisted":
        return FOCAL if assisted else REFERENCE
    if grouping == "age":
        if birth_year is None:
            return OUTSIDE
        return FOCAL if started_at.year - birth_year >= AGE_BAND else REFERENCE
    name = ethnicity.strip().casefold()
    if not name:
        return OUTSIDE
    return REFERENCE if name == MAJORITY_ETHNICITY else FOCAL
