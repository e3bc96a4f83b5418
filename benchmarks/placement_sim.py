"""Placement simulation study: our engine against catsim on scenarios S1 and S2.

    python benchmarks/placement_sim.py --json [--simulees N] [--seed S] [--workers W]

Prints progress, then one JSON object as the last line (shape in
shared/reference/placement-simulation.md). catsim is slow (its selector loops in Python),
so it runs in `--workers` processes; the full study takes several minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from contest.placement import simulation


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="end with the JSON object only")
    parser.add_argument("--simulees", type=int, default=None, help="default 5000 (S1), 6000 (S2)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2, help="processes for catsim")
    args = parser.parse_args(argv)

    started = time.perf_counter()

    def progress(message: str) -> None:
        print(f"[{time.perf_counter() - started:7.1f}s] {message}", flush=True)

    out: dict[str, Any] = {}
    sizes: dict[str, int] = {}
    for name, build, default in (
        ("s1", simulation.build_s1, 5000),
        ("s2", simulation.build_s2, 6000),
    ):
        n = args.simulees or default
        sizes[name] = n
        scenario = build(args.seed, n)
        out[name] = simulation.compare(scenario, workers=args.workers, progress=progress)
        progress(f"{name} done")
    out["seed"] = args.seed
    out["simulees"] = args.simulees if args.simulees else sizes
    out["config"] = simulation.TUNED
    out["load_average_1min"] = os.getloadavg()[0]
    out["seconds"] = round(time.perf_counter() - started, 1)
    if not args.json:
        for name in ("s1", "s2"):
            for engine_name, figures in out[name].items():
                shown = {k: v for k, v in figures.items() if not isinstance(v, dict)}
                print(name, engine_name, json.dumps(shown))
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
