"""Issuing certificates in bulk: every award of a contest, or every eligible placement session.

The single path (``services.issue_once``) spends a transaction and a dozen statements on
each certificate. A batch does the same work once per chunk of candidates:

1. one transaction per chunk (so a long batch can resume), serialised against other batches
   by an advisory lock: two batches never draw the same status index;
2. results that already have their certificate are dropped (one query);
3. ids come from the table's sequence in one query, and status indexes are drawn in memory
   among the current list's free ones (a new list once half full, like the single path);
4. every credential and paper QR is signed in memory: the QR by the function the single
   path uses (``services.signed_qr``), the credential from a template of the one
   ``services.signed_credential`` makes (certification/bulk_signing.py: the same bytes in a
   third of the time), in forked processes when asked;
5. the rows are COPYed into the table as they are signed, so the database works while the
   next ones are signed. The unique constraints that make the single path issue once still
   decide: if a certificate was issued meanwhile (by the single path), COPY fails whole
   and the rows are staged and moved with ``INSERT … ON CONFLICT DO NOTHING RETURNING id``;
   a row that met a certificate of the same result is counted as existing, never written
   twice, and one whose status index was just taken goes through the single path;
6. the audit events are COPYed, the key's publication horizon is moved once;
7. ``certificates_bulk_issued`` asks the indicators to recount the chunk's holders once
   (bulk inserts send no ``post_save``).

On SQLite (the demo) steps 5 and 6 use ``bulk_create``; its IMMEDIATE transactions already
serialise writers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import gc
import json
import multiprocessing
import os
import secrets
import time
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.utils import Buffer
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone
from nacl.signing import SigningKey

from certification import keys, services
from certification.bulk_signing import CredentialTemplate, template_key
from certification.models import Certificate, IssuingKey, StatusList
from certification.services import AchievementSpec, BatchSummary, SignedFacts
from certification.signals import certificates_bulk_issued
from community.models import AuditEvent, Participant
from contest.asynchronous.models import Contest, ContestAward
from contest.placement.models import PlacementSession

__all__ = [
    "Candidate",
    "Holder",
    "certificates_issue_for_contest",
    "certificates_issue_for_placements",
    "default_workers",
    "ids_in",
    "issue_batch",
]

CHUNK_SIZE = 10_000
FORK_MIN_SHARE = 500  # fewer certificates per process are signed faster than forked
FORK_PART = 250  # certificates per task sent to a signing process
BATCH_LOCK = 0x4C_43_43_45_52_54  # pg_advisory_xact_lock key ("LCCERT")
STAGE_TABLE = "certificate_batch_stage"
# Certificate's columns in the order the rows below are built (checked against the model).
COLUMNS = (
    "id",
    "serial",
    "kind",
    "participant_id",
    "source_type",
    "source_id",
    "achievement_code",
    "achievement_name",
    "level_code",
    "level_name",
    "issued_at",
    "valid_from",
    "valid_until",
    "status_list_id",
    "status_list_index",
    "issuing_key_id",
    "credential",
    "qr_text",
    "holder",
    "assisted",
    "revoked_at",
    "revoke_reason",
    "commune_code",
    "target_group_code",
    "issued_by_id",
)
VALID_UNTIL = COLUMNS.index("valid_until")
HOLDER_FIELDS = (
    "participant_id",
    "participant__full_name",
    "participant__birth_year",
    "participant__commune_id",
    "participant__target_group_id",
)
OnceKey = tuple[int, str, str, str, str]  # the fields of certificate_once_per_result


@dataclass(frozen=True, slots=True)
class Holder:
    """What issuing needs to know of a person (read with the candidates, in one query)."""

    pk: int
    full_name: str
    birth_year: int | None
    commune_code: str
    target_group_code: str


@dataclass(frozen=True, slots=True)
class Candidate:
    holder: Holder
    spec: AchievementSpec

    @property
    def once_key(self) -> OnceKey:
        spec = self.spec
        return (self.holder.pk, spec.kind, spec.code, spec.source_type, spec.source_id)


# --- Candidates -------------------------------------------------------------------------


def certificates_issue_for_contest(
    contest: Contest,
    *,
    actor: User | None,
    progress: Callable[[int, int], None] | None = None,
    now: dt.datetime | None = None,
    workers: int = 1,
    timings: dict[str, float] | None = None,
) -> BatchSummary:
    """Participation and prize certificates for every recorded award of a contest."""
    rows = (
        ContestAward.objects.filter(contest=contest)
        .order_by("id")
        .values_list("id", "kind", "rank", "label", *HOLDER_FIELDS)
    )
    templates: dict[tuple[str, int | None, str], Callable[..., AchievementSpec]] = {}
    candidates = []
    with _without_cycle_collection():
        for pk, kind, rank, label, *holder in rows:
            # Awards of one kind, rank and label differ only in their source id.
            template = templates.get((kind, rank, label))
            if template is None:
                award = ContestAward(pk=pk, contest=contest, kind=kind, rank=rank, label=label)
                template = templates[kind, rank, label] = _spec_maker(
                    services.award_spec(award), "source_id"
                )
            candidates.append(Candidate(Holder(*holder), template(source_id=str(pk))))
    return issue_batch(
        candidates, actor=actor, progress=progress, now=now, workers=workers, timings=timings
    )


def certificates_issue_for_placements(
    *,
    actor: User | None,
    progress: Callable[[int, int], None] | None = None,
    now: dt.datetime | None = None,
    workers: int = 1,
    timings: dict[str, float] | None = None,
) -> BatchSummary:
    """Level certificates for every finished, eligible placement session."""
    rows = (
        PlacementSession.objects.filter(
            status=PlacementSession.Status.FINISHED,
            certificate_eligible=True,
            level__isnull=False,
        )
        .order_by("id")
        .values_list("id", "framework_id", "level_id", "assisted", *HOLDER_FIELDS)
    )
    templates: dict[tuple[int, int], Callable[..., AchievementSpec]] = {}
    candidates = []
    failed = []
    with _without_cycle_collection():
        for pk, framework_id, level_id, assisted, *holder in rows:
            # Sessions at one level of one framework differ only in id and assistance.
            template = templates.get((framework_id, level_id))
            if template is None:
                session = PlacementSession.objects.select_related("framework", "level").get(pk=pk)
                try:
                    spec = services.placement_spec(session)
                except ValidationError as exc:  # changed since the query: report, go on
                    failed.append(f"placementsession:{pk}: {' '.join(exc.messages)}")
                    continue
                template = _spec_maker(spec, "source_id", "assisted")
                templates[framework_id, level_id] = template
            spec = template(source_id=str(pk), assisted=assisted)
            candidates.append(Candidate(Holder(*holder), spec))
    summary = issue_batch(
        candidates, actor=actor, progress=progress, now=now, workers=workers, timings=timings
    )
    return dataclasses.replace(summary, failed=failed + summary.failed)


def _spec_maker(spec: AchievementSpec, *varying: str) -> Callable[..., AchievementSpec]:
    """AchievementSpec with ``spec``'s fields but the ``varying`` ones (dataclasses.replace,
    at a fifth of the cost: it runs once per candidate)."""
    fixed = {
        f.name: getattr(spec, f.name) for f in dataclasses.fields(spec) if f.name not in varying
    }
    return functools.partial(AchievementSpec, **fixed)


# --- Issuing ----------------------------------------------------------------------------


def default_workers() -> int:
    """Signing processes for a command: the cores this process may use, at most four."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(4, cores or 1))


def issue_batch(
    candidates: Sequence[Candidate],
    *,
    actor: User | None,
    now: dt.datetime | None = None,
    chunk_size: int = CHUNK_SIZE,
    progress: Callable[[int, int], None] | None = None,
    workers: int = 1,
    timings: dict[str, float] | None = None,
) -> BatchSummary:
    """Issue each candidate's certificate unless it exists; one transaction per chunk.

    ``now`` fixes the issuing time (tests); ``workers`` processes sign (forked: use more
    than one only from a process with a single thread, such as a management command);
    ``timings``, when given, receives the seconds spent in each step (the benchmark)."""
    created = existing = 0
    total = len(candidates)
    clock = _Clock(timings)
    for start in range(0, total, chunk_size):
        with _without_cycle_collection():
            made, found = _issue_chunk(
                candidates[start : start + chunk_size],
                actor=actor,
                now=now or timezone.now(),
                workers=workers,
                clock=clock,
            )
        created += made
        existing += found
        if progress:
            progress(min(start + chunk_size, total), total)
    return BatchSummary(created, existing, [])


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """A chunk allocates a few hundred thousand small objects that live until it ends, none
    in a cycle: the cycle collector would walk them again and again (a third of the signing
    time). It runs again between chunks."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _issue_chunk(
    chunk: Sequence[Candidate],
    *,
    actor: User | None,
    now: dt.datetime,
    workers: int,
    clock: _Clock,
) -> tuple[int, int]:
    with transaction.atomic():
        with clock("lock"):
            _lock_out_other_batches()
            key = keys.active_key()
            if key is None:
                raise keys.KeyFileError("no issuing key: run `manage.py certificates_keys init`")
            signer = SodiumSigningKey(keys.private_key(key))
        with clock("select_new"):
            todo = _not_yet_issued(chunk)
        existing = len(chunk) - len(todo)
        if not todo:
            return 0, existing
        with clock("allocate"):
            ids = _reserve_ids(len(todo))
            slots = _status_slots(len(todo))
        with clock("sign_and_insert"):  # the database writes rows while the next are signed
            rows, inserted = _write_signed(todo, ids, slots, key, signer, actor, now, workers)
        written = [(c, row) for c, row in zip(todo, rows, strict=True) if row[0] in inserted]
        with clock("audit"):
            _audit(written, key, actor)
            _record_key_use(key, [row[VALID_UNTIL] for _c, row in written])
        with clock("indicators"):
            certificates_bulk_issued.send(
                sender=Certificate,
                participant_ids=sorted({c.holder.pk for c, _row in written}),
            )
        created = len(written)
        with clock("leftovers"):
            for candidate, row in zip(todo, rows, strict=True):
                if row[0] not in inserted:
                    made = _issue_singly(candidate, actor=actor, now=now)
                    created += made
                    existing += not made
        with clock("foreign_keys"):
            _check_deferred_constraints()
    return created, existing


def _check_deferred_constraints() -> None:
    """Run the foreign-key checks PostgreSQL defers to the commit now, so the time they
    take (one lookup per key per row) is seen; what they check is the same."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # as Django declares them


def ids_in(ids: Collection[int]) -> Collection[int] | RawSQL:
    """The right side of ``field__in=``: on PostgreSQL one array parameter rather than one
    parameter per id (a chunk has thousands, each costing work in Django and psycopg)."""
    if connection.vendor == "postgresql":
        # An array literal: psycopg would adapt a list of ints one by one, in Python.
        literal = "{" + ",".join(str(int(i)) for i in ids) + "}"
        return RawSQL("SELECT unnest(%s::bigint[])", (literal,))
    return ids


def _lock_out_other_batches() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [BATCH_LOCK])


def _not_yet_issued(chunk: Sequence[Candidate]) -> list[Candidate]:
    """The candidates without a certificate, each result once. The query walks the unique
    index of (participant, kind, achievement, source), whose first column it filters on."""
    people = {c.holder.pk for c in chunk}
    issued = set(
        Certificate.objects.filter(participant_id__in=ids_in(people)).values_list(
            "participant_id", "kind", "achievement_code", "source_type", "source_id"
        )
    )
    todo = []
    for candidate in chunk:
        once = candidate.once_key
        if once not in issued:
            issued.add(once)
            todo.append(candidate)
    return todo


def _reserve_ids(count: int) -> list[int]:
    """``count`` primary keys for new certificates (the serial is made from the id)."""
    table = Certificate._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return sorted(row[0] for row in cursor.fetchall())
        if connection.vendor == "sqlite":
            # The write lock is held (IMMEDIATE transactions): the next ids are ours.
            quoted = connection.ops.quote_name(table)  # the model's table, not input
            sql = (
                f"SELECT MAX(COALESCE((SELECT MAX(id) FROM {quoted}), 0), "  # noqa: S608
                "COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0))"
            )
            cursor.execute(sql, [table])
            last = cursor.fetchone()[0]
            return list(range(last + 1, last + 1 + count))
    raise NotImplementedError(f"batch issuing does not support {connection.vendor}")


def _status_slots(count: int) -> list[tuple[StatusList, int]]:
    """A random free index for each new certificate, in the current revocation list until
    it is half full, then in a new one (the rule of services._status_slot)."""
    status_list = StatusList.objects.filter(purpose=StatusList.Purpose.REVOCATION).last()
    taken: set[int] = set()
    if status_list is not None:
        taken = set(
            Certificate.objects.filter(status_list=status_list).values_list(
                "status_list_index", flat=True
            )
        )
    slots: list[tuple[StatusList, int]] = []
    while len(slots) < count:
        if status_list is None or len(taken) >= status_list.size // 2:
            status_list, taken = StatusList.objects.create(), set()
        size = status_list.size
        for _ in range(min(size // 2 - len(taken), count - len(slots))):
            index = secrets.randbelow(size)
            while index in taken:  # at most half are taken: two draws on average
                index = secrets.randbelow(size)
            taken.add(index)
            slots.append((status_list, index))
    return slots


def _write_signed(
    todo: Sequence[Candidate],
    ids: Sequence[int],
    slots: Sequence[tuple[StatusList, int]],
    key: IssuingKey,
    signer: Ed25519PrivateKey,
    actor: User | None,
    now: dt.datetime,
    workers: int,
) -> tuple[list[tuple[Any, ...]], set[int]]:
    """Sign each new certificate and write the rows that break no unique constraint:
    (every row, in COLUMNS order with the credential as JSON text; the ids written)."""
    columns = [field.column for field in Certificate._meta.concrete_fields]
    if sorted(columns) != sorted(COLUMNS):  # a new field must be filled in here too
        raise RuntimeError(f"certification.batch.COLUMNS does not match {columns}")
    today = timezone.localdate(now)
    urls = {s.pk: services.status_list_url(s) for s in {s for s, _index in slots}}
    facts = [
        SignedFacts(
            serial=services.certificate_serial(pk, today.year),
            spec=candidate.spec,
            issued_at=now,
            valid_until=services.certificate_valid_until(candidate.spec, now),
            status_list_id=status_list.pk,
            status_list_url=urls[status_list.pk],
            status_index=index,
            holder=services.holder_text(
                candidate.holder.full_name, candidate.holder.birth_year, today=today
            )
            or "",
            holder_name=candidate.holder.full_name,
        )
        for candidate, pk, (status_list, index) in zip(todo, ids, slots, strict=True)
    ]
    actor_id = actor.pk if actor is not None else None
    rows: list[tuple[Any, ...]] = []

    def signed_rows() -> Iterator[tuple[Any, ...]]:
        signed = _signed(facts, key, signer, workers)
        for candidate, pk, fact, (credential_json, qr_text) in zip(
            todo, ids, facts, signed, strict=True
        ):
            holder, spec = candidate.holder, candidate.spec
            row = (
                pk,
                fact.serial,
                spec.kind,
                holder.pk,
                spec.source_type,
                spec.source_id,
                spec.code,
                spec.name,
                spec.level_code,
                spec.level_name,
                now,
                now,
                fact.valid_until,
                fact.status_list_id,
                fact.status_index,
                key.pk,
                credential_json,
                qr_text,
                fact.holder,
                spec.assisted,
                None,
                "",
                holder.commune_code,
                holder.target_group_code,
                actor_id,
            )
            rows.append(row)
            yield row

    if connection.vendor == "postgresql":
        return rows, _insert_postgresql(signed_rows(), rows)
    Certificate.objects.bulk_create(
        (_certificate(row) for row in signed_rows()), batch_size=500, ignore_conflicts=True
    )
    written = Certificate.objects.filter(pk__in=ids_in(ids)).values_list("pk", flat=True)
    return rows, set(written)


def _certificate(row: tuple[Any, ...]) -> Certificate:
    fields = dict(zip(COLUMNS, row, strict=True))  # each column is its field's attname
    fields["credential"] = json.loads(fields["credential"])
    return Certificate(**fields)


def _insert_postgresql(stream: Iterator[tuple[Any, ...]], rows: list[tuple[Any, ...]]) -> set[int]:
    """COPY the rows straight in as they are signed; if one breaks a unique constraint (a
    single issue got there meanwhile), COPY fails whole and the rows (``stream`` appends
    each to ``rows``) go the slower way: staged, then moved with ON CONFLICT DO NOTHING,
    which says which ones fit."""
    quote = connection.ops.quote_name
    table = quote(Certificate._meta.db_table)
    columns = ", ".join(quote(column) for column in COLUMNS)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            _copy_rows(cursor, table, columns, stream)
        return {row[0] for row in rows}
    except IntegrityError:
        for _row in stream:  # sign the rest: every row goes to the stage
            pass
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{STAGE_TABLE}")
        cursor.execute(f"CREATE TEMP TABLE {STAGE_TABLE} (LIKE {table}) ON COMMIT DROP")
        _copy_rows(cursor, STAGE_TABLE, columns, rows)
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {STAGE_TABLE} "  # noqa: S608
            "ORDER BY id ON CONFLICT DO NOTHING RETURNING id"
        )
        inserted = {row[0] for row in cursor.fetchall()}
        cursor.execute(f"DROP TABLE {STAGE_TABLE}")
    return inserted


def _copy_rows(cursor: Any, table: str, columns: str, rows: Iterable[tuple[Any, ...]]) -> None:
    # Django's errors (IntegrityError…) for what psycopg raises: COPY bypasses its wrapper.
    with (
        connection.wrap_database_errors,
        cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _audit(
    written: Sequence[tuple[Candidate, tuple[Any, ...]]], key: IssuingKey, actor: User | None
) -> None:
    """One "certificate.issued" event per certificate, as the single path writes."""
    at = timezone.now()
    events = [
        (
            at,
            actor.pk if actor is not None else None,
            "certificate.issued",
            f"certificate:{row[1]}",
            services.issued_audit_detail(candidate.spec, candidate.holder.pk, key),
        )
        for candidate, row in written
    ]
    if connection.vendor != "postgresql":
        AuditEvent.objects.bulk_create(
            (
                AuditEvent(at=at, actor_id=actor_id, action=action, target=target, detail=detail)
                for at, actor_id, action, target, detail in events
            ),
            batch_size=500,
        )
        return
    quote = connection.ops.quote_name
    with (
        connection.cursor() as cursor,
        cursor.copy(
            f"COPY {quote(AuditEvent._meta.db_table)} (at, actor_id, action, target, detail) "
            "FROM STDIN"
        ) as copy,
    ):
        for event in events:
            copy.write_row((*event[:4], json.dumps(event[4], ensure_ascii=False)))


def _record_key_use(key: IssuingKey, valid_untils: Sequence[dt.datetime | None]) -> None:
    """What keys.key_record_signature would end with after each of these certificates."""
    if any(until is None for until in valid_untils):
        keys.key_record_signature(key, None)
    dated = [until for until in valid_untils if until is not None]
    if dated:
        keys.key_record_signature(key, max(dated))


def _issue_singly(candidate: Candidate, *, actor: User | None, now: dt.datetime) -> bool:
    """A candidate whose row did not fit: it was issued meanwhile, or its status index was
    taken by a single issue a moment ago. The single path tells which and finishes it."""
    participant = Participant.objects.get(pk=candidate.holder.pk)
    return services.issue_once(participant, candidate.spec, actor=actor, now=now)[1]


# --- Signing ----------------------------------------------------------------------------


class _Signer:
    """Signs certificates with one key, keeping a credential template per achievement."""

    def __init__(self, key: IssuingKey, signer: Ed25519PrivateKey) -> None:
        self.key, self.signer = key, signer
        self.templates: dict[Hashable, CredentialTemplate] = {}

    def sign(self, fact: SignedFacts) -> tuple[str, str]:
        """(the credential as JSON text, the QR text)"""
        template_id = template_key(fact)
        template = self.templates.get(template_id)
        if template is None:
            template = CredentialTemplate(fact, self.key, self.signer)
            self.templates[template_id] = template
        return template.sign(fact), services.signed_qr(fact, self.key, self.signer)


_forked: _Signer | None = None  # what forked signing processes inherit


def _signed(
    facts: Sequence[SignedFacts], key: IssuingKey, signer: Ed25519PrivateKey, workers: int
) -> Iterator[tuple[str, str]]:
    """Each certificate signed, in order. With workers > 1, that many forked processes sign
    parts of the chunk while this one writes what they sent: signing is pure CPU, and the
    key never leaves memory (the children inherit it)."""
    global _forked
    workers = min(workers, len(facts) // FORK_MIN_SHARE)
    if workers <= 1:
        one = _Signer(key, signer)
        yield from (one.sign(fact) for fact in facts)
        return
    _forked = _Signer(key, signer)
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
    try:
        parts = [facts[i : i + FORK_PART] for i in range(0, len(facts), FORK_PART)]
        for signed in pool.map(_sign_forked, parts):
            yield from signed
    finally:
        pool.shutdown(cancel_futures=True)
        _forked = None


def _sign_forked(facts: Sequence[SignedFacts]) -> list[tuple[str, str]]:
    assert _forked is not None, "signing process started without a key"
    return [_forked.sign(fact) for fact in facts]


class SodiumSigningKey(Ed25519PrivateKey):
    """The issuing key, signing through libsodium with its expanded secret kept for the
    batch (about 20 µs a signature instead of 35). Ed25519 signatures are deterministic
    (RFC 8032), so the bytes are those OpenSSL would give."""

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key
        self._sodium = SigningKey(key.private_bytes_raw())

    def sign(self, data: Buffer) -> bytes:
        return self._sodium.sign(bytes(data)).signature

    def public_key(self) -> Ed25519PublicKey:
        return self._key.public_key()

    def private_bytes(
        self,
        encoding: serialization.Encoding,
        format: serialization.PrivateFormat,
        encryption_algorithm: serialization.KeySerializationEncryption,
    ) -> bytes:
        return self._key.private_bytes(encoding, format, encryption_algorithm)

    def private_bytes_raw(self) -> bytes:
        return self._key.private_bytes_raw()

    def __copy__(self) -> SodiumSigningKey:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> SodiumSigningKey:
        return self


# --- Timing -----------------------------------------------------------------------------


class _Clock:
    """Seconds per step, added up over the chunks, when the caller asked for them."""

    def __init__(self, timings: dict[str, float] | None) -> None:
        self.timings = timings

    @contextmanager
    def __call__(self, step: str) -> Iterator[None]:
        if self.timings is None:
            yield
            return
        started = time.perf_counter()
        try:
            yield
        finally:
            self.timings[step] = self.timings.get(step, 0.0) + time.perf_counter() - started
