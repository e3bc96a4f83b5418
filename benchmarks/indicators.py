"""Indicators at province scale: load certificates into PostgreSQL, rebuild the roll-ups,
then time the province dashboard, a commune page and the quarterly XLSX report, and
prove the roll-up matches raw COUNT(DISTINCT …) queries (also after live issues and
revocations through the hook).

Run from the project root:

    python -m benchmarks.indicators [--certificates 1200000] [--requests 30] [--json]

It creates the database `hocvuso_bench_ind` (dropped first and again at the end unless
`--keep`), migrates, and loads with COPY: participants (about 1.5 certificates each;
60 % residents, 25 % pupils, 8 % workers, 7 % public servants) over the 99 communes, and
certificates issued from July 2025 to today: 80 % placement (CB1–TC2, valid two years),
17 % contest participation (20 contests), 3 % Người bản số; 2 % revoked later; and every
commune's four denominators. Bulk loading bypasses the hook, so the roll-up is then built
by the rebuild (`rebuild_s`).
`hook_p95_ms` is the time of one certificate save or revocation including the hook.
Pages (province overview, a commune, the residents' group page, the public ranking) are
rendered in-process through Django's test client (no network, no daphne) with DEBUG off,
as in production: cached templates and collected static files.

Prints progress lines, then one JSON object as the last line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from typing import Any

import psycopg

ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
LEVELS = (("CB1", 30), ("CB2", 35), ("TC1", 20), ("TC2", 15))
GROUPS = (("resident", 60), ("student", 25), ("worker", 8), ("public_servant", 7))


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 1)


def admin(sql: str) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)


def setup_django(db: str, static_root: str) -> None:
    """Production settings (DEBUG off: cached templates, hashed static files), so pages
    cost what they cost in production; plain HTTP, since there is no TLS proxy here."""
    base = ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgres://")
    os.environ["DATABASE_URL"] = f"{base}/{db}"
    os.environ.update(DEBUG="0", SECURE_SSL_REDIRECT="0", STATIC_ROOT=static_root)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("collectstatic", interactive=False, verbosity=0)


def weighted(rng: random.Random, table: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([v for v, _ in table], weights=[w for _, w in table])[0]


def load(n_certs: int, seed: int = 2025) -> dict[str, Any]:
    from django.db import connection
    from django.utils import timezone

    from certification.models import IssuingKey, StatusList
    from community.models import Commune

    rng = random.Random(seed)
    communes = list(Commune.objects.values_list("code", flat=True))
    n_people = max(1, int(n_certs / 1.5))
    now = timezone.now()
    started = time.perf_counter()
    key = IssuingKey.objects.create(kid="bench0000000000a", public_key_multibase="z-bench")
    per_list = 65_536
    lists = [StatusList.objects.create() for _ in range(n_certs // per_list + 1)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM community_participant")
        first_id = cursor.fetchone()[0] + 1
        people: list[tuple[str, str]] = []
        with cursor.copy(
            "COPY community_participant (id, full_name, class_name, student_code, gender, "
            "ethnicity, preferred_language, citizen_id, phone, phone_hash, date_of_birth, "
            "created_at, commune_id, target_group_id) FROM STDIN"
        ) as copy:
            for i in range(n_people):
                commune, group = rng.choice(communes), weighted(rng, GROUPS)
                people.append((commune, group))
                copy.write_row(
                    (
                        first_id + i,
                        f"Người {i}",
                        "",
                        "",
                        "",
                        "",
                        "vi",
                        "",
                        "",
                        "",
                        "",
                        now,
                        commune,
                        group,
                    )
                )
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('community_participant', 'id'), %s)",
            [first_id + n_people],
        )
        log(f"{n_people} participants in {time.perf_counter() - started:.1f} s")
        start_day = dt.datetime(2025, 7, 1, tzinfo=dt.UTC)
        span = (now - start_day).total_seconds()
        with cursor.copy(
            "COPY certification_certificate (serial, kind, participant_id, source_type, "
            "source_id, achievement_code, achievement_name, level_code, level_name, issued_at, "
            "valid_from, valid_until, status_list_id, status_list_index, issuing_key_id, "
            "credential, qr_text, holder, assisted, revoked_at, revoke_reason, commune_code, "
            "target_group_code) FROM STDIN"
        ) as copy:
            for n in range(n_certs):
                person = n % n_people if n < n_people else rng.randrange(n_people)
                commune, group = people[person]
                issued = start_day + dt.timedelta(seconds=rng.random() * span)
                roll = rng.random()
                until = None
                if roll < 0.80:
                    kind, level = "placement", weighted(rng, LEVELS)
                    code, until = f"KNS-CB-4-{level}", issued + dt.timedelta(days=730)
                elif roll < 0.97:
                    kind, level = "participation", "TG"
                    code = f"THI-{rng.randint(1, 20)}-TG"
                else:
                    kind, level, code = "nguoi_ban_so", "", "NBS"
                revoked = None
                if rng.random() < 0.02:
                    revoked = issued + dt.timedelta(
                        seconds=rng.random() * (now - issued).total_seconds()
                    )
                copy.write_row(
                    (
                        f"B-{n:08d}",
                        kind,
                        first_id + person,
                        "bench",
                        str(n),
                        code,
                        code,
                        level,
                        level,
                        issued,
                        issued,
                        until,
                        lists[n // per_list].pk,
                        n % per_list,
                        key.pk,
                        "{}",
                        "",
                        "",
                        False,
                        revoked,
                        "x" if revoked else "",
                        commune,
                        group,
                    )
                )
                if n and n % 200_000 == 0:
                    log(f"  {n} certificates")
        cursor.execute("ANALYZE")
    denominators(rng, communes)
    return {"load_s": round(time.perf_counter() - started, 1), "participants": n_people}


def denominators(rng: random.Random, communes: list[str]) -> None:
    """Adult, pupil, staff and worker figures for every commune, as after an upload, so
    the pages divide by 99 communes' figures (and the ranking is by share)."""
    from indicators.models import Denominator

    scale = {"adults": 12_500, "pupils": 2_000, "public_servants": 400, "workers": 1_500}
    Denominator.objects.bulk_create(
        Denominator(
            kind=kind,
            commune_id=code,
            value=int(mean * rng.uniform(0.5, 1.5)),
            is_estimate=False,
            source="benchmark",
            as_of=dt.date(2025, 12, 31),
        )
        for kind, mean in scale.items()
        for code in communes
    )


def timed_get(client: Any, url: str, n: int) -> list[float]:
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return samples


def measure(requests: int) -> dict[str, Any]:
    from django.contrib.auth.models import User
    from django.test import Client
    from django.urls import reverse

    from indicators import counting, selectors

    admin_user = User.objects.create_superuser("bench-admin", password=None)
    client = Client()
    client.force_login(admin_user)
    period = selectors.current_period()
    previous = counting.quarters_up_to(period, 2)[0]
    overview = reverse("indicators_overview") + f"?ky={period.code}"
    commune = reverse("indicators_commune", args=["02647"]) + f"?ky={period.code}"
    timed_get(client, overview, 2)  # warm caches and connections
    load_before = os.getloadavg()[0]
    dashboard = timed_get(client, overview, requests)
    commune_ms = timed_get(client, commune, requests)
    group = reverse("indicators_group", args=["resident"]) + f"?ky={period.code}"
    group_ms = timed_get(client, group, requests)
    ranking_ms = timed_get(Client(), reverse("indicators_ranking"), max(5, requests // 3))
    started = time.perf_counter()
    report = client.get(reverse("indicators_report", args=[previous.code, "xlsx"]))
    report_s = time.perf_counter() - started
    assert report.status_code == 200
    return {
        "dashboard_p95_ms": p95(dashboard),
        "dashboard_median_ms": round(statistics.median(dashboard), 1),
        "commune_page_p95_ms": p95(commune_ms),
        "group_page_p95_ms": p95(group_ms),
        "ranking_p95_ms": p95(ranking_ms),
        "report_xlsx_s": round(report_s, 2),
        "report_period": previous.code,
        # The machine is shared: the 1-minute load average around the page timings.
        "load_avg_1m": [round(load_before, 1), round(os.getloadavg()[0], 1)],
    }


def live_changes(n: int) -> list[float]:
    """Issue n certificates and revoke n through the model and service, timing the hook."""
    from certification.models import Certificate, StatusList
    from certification.services import certificate_revoke

    fresh_list = StatusList.objects.create()
    samples = []
    template = Certificate.objects.filter(kind="placement").order_by("id")
    for i, cert in enumerate(template[:n]):
        t = time.perf_counter()
        cert.pk = None
        cert.serial, cert.source_id, cert.level_code = f"LIVE-{i}", f"live-{i}", "TC2"
        cert.status_list, cert.status_list_index = fresh_list, i
        cert.save()
        samples.append((time.perf_counter() - t) * 1000)
    for cert in Certificate.objects.filter(kind="placement", revoked_at__isnull=True)[:n]:
        t = time.perf_counter()
        certificate_revoke(cert, actor=None, reason="benchmark")
        samples.append((time.perf_counter() - t) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--certificates", type=int, default=1_200_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--live", type=int, default=50, help="issues and revocations via the hook")
    parser.add_argument("--db", default="hocvuso_bench_ind")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    admin(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
    admin(f'CREATE DATABASE "{args.db}"')
    static_root = tempfile.mkdtemp(prefix="hocvuso-bench-static-")
    try:
        setup_django(args.db, static_root)
        from django.core.management import call_command

        from indicators import counting, selectors, services

        call_command("migrate", verbosity=0)
        result: dict[str, Any] = {"certificates": args.certificates}
        result.update(load(args.certificates))
        log(f"loaded in {result['load_s']} s; rebuilding")
        started = time.perf_counter()
        summary = services.rollups_rebuild()
        result["rebuild_s"] = round(time.perf_counter() - started, 1)
        result["segments"], result["rollup_cells"] = summary.segments, summary.cells
        log(f"rebuilt in {result['rebuild_s']} s; measuring pages")
        result.update(measure(args.requests))
        hook = live_changes(args.live)
        result["hook_p95_ms"] = p95(hook) if hook else None
        periods = [
            *counting.quarters_up_to(selectors.current_period(), 3),
            counting.period_parse(counting.CUMULATIVE),
        ]
        started = time.perf_counter()
        mismatches = services.rollups_verify(periods)
        fresh, _summary = services.rollups_compute()
        differing = services.rollups_diff(services.rollups_snapshot(), fresh)
        result["verify_s"] = round(time.perf_counter() - started, 1)
        result["rollup_matches_raw"] = not mismatches and not differing
        result["mismatches"] = len(mismatches) + len(differing)
        result["verified_periods"] = [p.code for p in periods]
    finally:
        from django.db import connections

        connections.close_all()
        shutil.rmtree(static_root, ignore_errors=True)
        if not args.keep:
            admin(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
