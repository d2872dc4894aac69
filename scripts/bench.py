#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench: the compat-mode interface's cost, Rust against C.

Boots the variants one after the other (never two at once, so that they do
not share the two cores), alternating c, rust, c, rust, ... in one scenario,
runs selftests/bench/compat_caps_bench.c in each boot and prints the median
nanoseconds per call with the ratio rust/c. KVM_CHECK_EXTENSION is the
floor: its ratio shows how much the two boots differ for reasons that have
nothing to do with the code compared. Then the text size of the objects
that hold the feature in each variant. Not a pass/fail gate.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402  (the scenario runner: scenarios, QEMU command line)

OBJECTS = ["arch/powerpc/kvm/powerpc.o", "arch/powerpc/kvm/book3s_hv.o",
           "arch/powerpc/kvm/book3s_hv_nested.o", "arch/powerpc/kvm/book3s_hv_compat.o"]
METRICS = ["check_extension", "get_compat_caps", "set_one_reg"]
LINE = re.compile(r"^bench round=\d+ " + " ".join(rf"{m}=(\d+)" for m in METRICS))


def one_boot(variant, sc, calls, rounds, timeout):
    cmd = run.qemu_cmd(variant, sc, [f"compat_caps_bench:{calls}:{rounds}"], False)
    text, timed_out = run.run_qemu(cmd, timeout)
    rows = [tuple(int(x) for x in m.groups())
            for m in map(LINE.match, text.splitlines()) if m]
    if timed_out or not rows:
        log = os.path.join(run.OUT, "logs", f"bench-{variant}.log")
        with open(log, "w", encoding="utf-8") as f:
            f.write(text)
        sys.exit(f"bench.py: no result from {variant} (log: {log})")
    # The first round warms caches up; keep the others.
    return rows[1:] if len(rows) > 1 else rows


def text_size(variant):
    sizes = {}
    for o in OBJECTS:
        path = os.path.join(run.OUT, variant, o)
        if not os.path.exists(path):
            continue
        out = subprocess.run(["/usr/lib/llvm-19/bin/llvm-size", path], check=True,
                             capture_output=True, text=True).stdout.splitlines()
        sizes[o] = int(out[1].split()[0])
    return sizes


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variants", default="c,rust")
    ap.add_argument("--scenario", default="v2-p10")
    ap.add_argument("--calls", type=int, default=100000)
    ap.add_argument("--rounds", type=int, default=4, help="rounds per boot")
    ap.add_argument("--boots", type=int, default=3, help="boots per variant")
    ap.add_argument("--timeout", type=int, default=600)
    args = ap.parse_args()

    scenarios = {s.name: s for s in run.load_scenarios(
        os.path.join(run.TOP, "selftests", "scenarios"))}
    sc = scenarios[args.scenario]
    base, other = args.variants.split(",")
    samples = {base: [], other: []}
    for b in range(args.boots):
        for v in (base, other):
            rows = one_boot(v, sc, args.calls, args.rounds, args.timeout)
            samples[v] += rows
            print(f"[bench] boot {b + 1}/{args.boots} {v:5}: " + ", ".join(
                f"{m} {statistics.median(r[i] for r in rows):.0f} ns"
                for i, m in enumerate(METRICS)), flush=True)

    print(f"\nscenario {sc.name}, {args.calls} calls x {args.rounds - 1} rounds x "
          f"{args.boots} boots per variant, median ns per call (TCG guest)\n")
    print(f"{'call':18} {base:>8} {other:>8} {other + '/' + base:>10}")
    for i, m in enumerate(METRICS):
        a = statistics.median(r[i] for r in samples[base])
        o = statistics.median(r[i] for r in samples[other])
        label = m + (" (floor)" if m == "check_extension" else "")
        print(f"{label:18} {a:8.0f} {o:8.0f} {o / a:10.3f}")

    print(f"\ntext bytes of the objects holding the feature")
    sizes = {v: text_size(v) for v in (base, other)}
    for o in OBJECTS:
        print(f"{os.path.basename(o):22} " + " ".join(
            f"{sizes[v].get(o, 0):8}" for v in (base, other)))
    tot = {v: sum(sizes[v].values()) for v in (base, other)}
    print(f"{'total':22} {tot[base]:8} {tot[other]:8}  ({tot[other] - tot[base]:+} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
