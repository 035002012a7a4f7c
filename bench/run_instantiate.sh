#!/usr/bin/env bash
# Builds (if needed) and runs bench_instantiate, writes the JSON results to
# bench/results/instantiate-<date>.json and prints a Markdown table of the
# medians (the one docs/PERFORMANCE.md shows).
#
# Usage: bench/run_instantiate.sh [extra Google Benchmark flags...]
#   BUILD_DIR  build directory (default: <repo>/build-bench, Release)
#   JOBS       ninja parallelism (default: 2)
#   OUT        JSON output file (default: bench/results/instantiate-<date>.json)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$repo/build-bench}"
jobs="${JOBS:-2}"
date="$(date +%Y-%m-%d)"
out="${OUT:-$repo/bench/results/instantiate-$date.json}"

if [[ ! -f "$build/build.ninja" ]]; then
  cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >&2
fi
ninja -C "$build" -j"$jobs" bench_instantiate >&2

mkdir -p "$(dirname "$out")"
echo "running bench_instantiate (about a minute) ..." >&2
"$build/bench/bench_instantiate" --benchmark_format=json "$@" >"$out"
echo "results: $out" >&2

cpu="$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
python3 - "$out" "$date" "$(nproc)" "${cpu:-unknown}" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'EOF'
import json, sys

path, date, nproc, cpu, load = sys.argv[1:6]
with open(path) as f:
    data = json.load(f)

what = {
    "BM_InstantiateEmpty": "instantiate + call empty export + destroy",
    "BM_HelloWasi": "hello guest: new WASI context + instantiate + `_start` + destroy",
    "BM_CallEmpty": "call empty export on an existing instance",
}
unit_scale = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}

rows = {}   # (name, backend) -> {"median": (real, cpu), "cv": real_cv}
errors = []
for b in data["benchmarks"]:
    if b.get("error_occurred"):
        errors.append(f'{b["name"]}: {b.get("error_message", "error")}')
        continue
    if b.get("run_type") != "aggregate":
        continue
    # run_name is "<benchmark>/<backend>[/min_time:...]".
    name, backend = b["run_name"].split("/")[:2]
    scale = unit_scale[b.get("time_unit", "ns")]
    entry = rows.setdefault((name, backend), {})
    if b["aggregate_name"] == "median":
        entry["median"] = (b["real_time"] * scale, b["cpu_time"] * scale)
        entry["reps"] = b.get("repetitions")
    elif b["aggregate_name"] == "cv":
        entry["cv"] = b["real_time"]

ctx = data.get("context", {})
print(f"Date {date}; machine: {nproc} cores ({cpu}), load average {load}; "
      f"{ctx.get('num_cpus', '?')} CPUs at {ctx.get('mhz_per_cpu', '?')} MHz; "
      f"medians of {next((e.get('reps') for e in rows.values() if e.get('reps')), '?')} "
      f"repetitions; results in {path}.")
print()
print("| measure | backend | median wall (µs) | median CPU (µs) | CV (wall) | ratio vs interp (same run) |")
print("| --- | --- | ---: | ---: | ---: | ---: |")
for name in what:
    for backend in ("native", "interp"):
        e = rows.get((name, backend))
        if not e or "median" not in e:
            continue
        real, cpu_t = e["median"]
        cv = f'{e["cv"] * 100:.1f}%' if "cv" in e else "-"
        ratio = "baseline"
        base = rows.get((name, "interp"), {}).get("median")
        if backend != "interp" and base:
            ratio = f"{real / base[0]:.3f} ({base[0] / real:.1f}× faster)"
        print(f"| {what[name]} | {backend} | {real:.3f} | {cpu_t:.3f} | {cv} | {ratio} |")

hello = rows.get(("BM_HelloWasi", "native"), {}).get("median")
if hello:
    verdict = "met" if hello[0] <= 5.0 else "NOT met"
    print()
    print(f"Goal: hello guest instantiate + run on native <= 5 µs median: "
          f"{hello[0]:.2f} µs, {verdict}.")
for e in errors:
    print(f"ERROR {e}")
sys.exit(1 if errors else 0)
EOF
