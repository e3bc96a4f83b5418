"""Placement simulation study: our engine against catsim on scenarios S1 and S2.

    python benchmarks/placement_sim.py --json [--simulees N] [--seed S] [--workers W]

Prints progress, then one JSON object as the last line (shape in
shared/reference/placement-simulation.md). catsim is slow (its selector loops in Python),
so it runs in `--workers` processes; the full study takes about 15 minutes.

Besides `ours` (the production settings) and `catsim`, each scenario has `ours_cap_40`:
the same engine with a 40-item cap, the one setting that moves S1's accuracy much (the
bank's information near the cuts bounds what 25 items can do). `step_p95_ms` is CPU time
of one thread (the machine is shared); `step_p95_wall_ms` is wall-clock time.
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
from contest.placement.engine import EngineConfig

CAP_40 = {"max_items": 40, "stop_posterior_end": 0.45}


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
        # The same engine with a 40-item cap (and its own stop schedule): what a longer
        # cap would buy, for the decision to raise it (EngineConfig.max_items).
        variant = simulation.engine_config(scenario, **CAP_40)
        run = simulation.run_ours(scenario, variant, progress=progress)
        out[name]["ours_cap_40"] = simulation.metrics(scenario, run, max_items=40)
        progress(f"{name} done")
    out["seed"] = args.seed
    out["simulees"] = args.simulees if args.simulees else sizes
    out["config"] = simulation.config_summary(EngineConfig())
    out["config_cap_40"] = CAP_40
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
