"""The Django request "answer → next question" of a placement session, bank cached.

    python benchmarks/placement_request.py --json [--sessions 40]

Runs in-process against a throw-away test database (PostgreSQL when DATABASE_URL
points at it, else SQLite) with the starter bank, drives sessions through the real
views with Django's test client, and times each answer POST (which records the
answer, updates the posterior and selects and stores the next question).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--sessions", type=int, default=40)
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from contest.placement.models import PlacementSession
    from question_banks import starter_bank

    setup_test_environment()
    # Its own database, so it never collides with a test run.
    connection.settings_dict.setdefault("TEST", {})["NAME"] = "hocvuso_bench_placement"
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        starter_bank.load()
        client = Client()
        timings: list[float] = []
        for n in range(args.sessions):
            form = {
                "full_name": f"Người thử {n}",
                "phone": f"09{n:08d}",
                "birth_year": "1970",
                "commune": "02647",
                "target_group": "resident",
            }
            token = client.post("/xep-muc/", form)["Location"].strip("/").split("/")[-1]
            position = 1
            while True:
                session = PlacementSession.objects.select_related("current_version").get(
                    token=token
                )
                if not session.is_active or session.current_version is None:
                    break
                right = [o.pk for o in session.current_version.options.all() if o.is_correct]
                data: dict[str, object] = {"position": position}
                if n % 3 == 0 or not right:
                    data["action"] = "dont_know"
                else:
                    data["choice"] = right[0] if position % 2 else session.current_option_order[0]
                started = time.perf_counter()
                client.post(f"/xep-muc/{token}/", data)
                timings.append((time.perf_counter() - started) * 1000)
                position += 1
            if not args.json:
                print(f"session {n + 1}/{args.sessions}: {position - 1} answers", file=sys.stderr)
        timings.sort()
        result = {
            "sessions": args.sessions,
            "answers": len(timings),
            "database": connection.vendor,
            "answer_next_p50_ms": round(statistics.median(timings), 2),
            "answer_next_p95_ms": round(timings[int(0.95 * (len(timings) - 1))], 2),
            "answer_next_max_ms": round(timings[-1], 2),
        }
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
