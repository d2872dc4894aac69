#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench: the compat-mode interface's cost, Rust against C.

First, instructions per call (selftests/bench/compat_caps_count.c: the
guest's PMU through perf_event_open(), user and kernel, the fewest of many
batches of calls): each variant booted --boots times, c and rust
alternating; the counts of the boots must agree, and the table says when
they do not. The guests run on the project's L0 (scripts/l0-qemu.sh),
whose qemu/0008 makes TCG's PMU count every instruction: Debian's QEMU
leaves out each translation block that ends in an indirect branch or a
branch to another page, so that its counts moved with where the linker
put the code. KVM_CHECK_EXTENSION(KVM_CAP_PPC_COMPAT_CAPS) is the floor:
the cheapest ioctl on a VM fd, though not free of either implementation
(the Rust one answers it through kvmppc_ops, C tests kvmhv_on_pseries());
the floor-subtracted ratio compares what each adds to it.

Then, secondary, nanoseconds per call (selftests/bench/compat_caps_bench.c),
median of rounds, in the same boots: on a shared machine under TCG only the
ratio means anything, and it moves between runs.

Last, the bytes of the feature: text and data of the objects that hold it
(arch/powerpc/kvm/ powerpc.o, book3s_hv.o, book3s_hv_nested.o and, in the
Rust kernel, book3s_hv_compat.o), taken from the variants size-c and
size-rust: c and rust with their KUnit suites off, so that no test code is
counted. Then the Rust object by kind of symbol, and its largest symbols.
Not a pass/fail gate.

Everything printed is also saved in out/logs/bench.txt, where the cover
letter takes its tables from.
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
COUNT = re.compile(r"^count op=(\S+) per_call=(\d+) min=(\d+) empty=(\d+) "
                   r"batches=(\d+) at_min=(\d+)$")
# compat_caps_count's operations, as the table shows them.
COUNT_OPS = [("check_extension", "KVM_CHECK_EXTENSION (floor)"),
             ("get_compat_caps_24", "GET_COMPAT_CAPS size 24"),
             ("get_compat_caps_4096", "GET_COMPAT_CAPS size 4096"),
             ("set_one_reg_accepted", "SET_ONE_REG accepted"),
             ("set_one_reg_refused", "SET_ONE_REG refused")]


def one_boot(variant, sc, calls, rounds, batches, timeout):
    """One boot running both programs: ({op: (per_call, at_min, batches)},
    [timing rows])."""
    progs = [f"compat_caps_count:{batches}", f"compat_caps_bench:{calls}:{rounds}"]
    cmd = run.qemu_cmd(variant, sc, progs, False, patched_l0=True)
    text, timed_out = run.run_qemu(cmd, timeout)
    log = os.path.join(run.OUT, "logs", f"bench-{variant}.log")
    with open(log, "w", encoding="utf-8") as f:
        f.write(text)
    counts = {m.group(1): (int(m.group(2)), int(m.group(6)), int(m.group(5)))
              for m in map(COUNT.match, text.splitlines()) if m}
    rows = [tuple(int(x) for x in m.groups())
            for m in map(LINE.match, text.splitlines()) if m]
    if timed_out or not rows or set(counts) < {op for op, _ in COUNT_OPS}:
        sys.exit(f"bench.py: no result from {variant} (log: {log})")
    # The first round warms caches up; keep the others.
    return counts, (rows[1:] if len(rows) > 1 else rows)


def llvm_dir():
    """LLVM_DIR of scripts/versions.sh: the toolchain the kernels are built with."""
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "versions.sh")) as f:
        for line in f:
            m = re.match(r"^LLVM_DIR=(\S+)$", line.strip())
            if m:
                return m.group(1)
    sys.exit("bench.py: no LLVM_DIR in scripts/versions.sh")


LLVM = llvm_dir()


def symbols(path):
    """[(size, type, name)] of an object's defined symbols, demangled."""
    out = subprocess.run([LLVM + "llvm-nm", "-S", "--defined-only", "--demangle", path],
                         check=True, capture_output=True, text=True).stdout
    syms = []
    for line in out.splitlines():
        parts = line.split(None, 3)
        if len(parts) == 4:
            syms.append((int(parts[1], 16), parts[2], parts[3]))
    return syms


def size_object(variant, obj):
    """OBJ in the build of VARIANT with its KUnit suites off."""
    return os.path.join(run.OUT, "size-" + variant, obj)


def sizes(variant):
    """{object: (text, data)}: llvm-size's text and data of the objects in
    the build of VARIANT with its KUnit suites off (size-VARIANT)."""
    res = {}
    for o in OBJECTS:
        path = size_object(variant, o)
        if not os.path.exists(path):
            continue
        out = subprocess.run([LLVM + "llvm-size", path], check=True,
                             capture_output=True, text=True).stdout.splitlines()
        res[o] = tuple(int(x) for x in out[1].split()[:2])
    return res


def breakdown(variant, obj):
    """The Rust object's text by kind of symbol: {kind: bytes}."""
    kinds = {}
    for n, t, name in symbols(size_object(variant, obj)):
        if t not in "tT":
            continue
        if "core::fmt" in name or "Display" in name or "Debug" in name or "::fmt" in name:
            k = "formatting (core::fmt, Display/Debug)"
        elif "panic" in name or "bounds" in name:
            k = "panics and bounds checks"
        elif "nestedv1" in name or "NodesByType" in name or "of::" in name:
            k = "nested API v1 (device-tree walk)"
        elif "ioctl" in name or "uaccess" in name or "UserSlice" in name:
            k = "the ioctl (user copies)"
        else:
            k = "the rest (decisions, exports, cache)"
        kinds[k] = kinds.get(k, 0) + n
    return kinds


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variants", default="c,rust")
    ap.add_argument("--scenario", default="v2-p10")
    ap.add_argument("--calls", type=int, default=20000)
    ap.add_argument("--rounds", type=int, default=4, help="rounds per boot")
    ap.add_argument("--boots", type=int, default=3, help="boots per variant")
    ap.add_argument("--batches", type=int, default=400,
                    help="batches of 8 calls per operation (instruction counts)")
    ap.add_argument("--timeout", type=int, default=600)
    ap.add_argument("--no-sizes", action="store_true",
                    help="no bytes of the feature (the size builds not made); "
                         "the output is then not saved for the cover letter")
    args = ap.parse_args()

    scenarios = {s.name: s for s in run.load_scenarios(
        os.path.join(run.TOP, "selftests", "scenarios"))}
    sc = scenarios[args.scenario]
    base, other = args.variants.split(",")
    counts = {base: [], other: []}
    samples = {base: [], other: []}
    width = max(len(base), len(other))
    for b in range(args.boots):
        for v in (base, other):
            c, rows = one_boot(v, sc, args.calls, args.rounds, args.batches, args.timeout)
            counts[v].append(c)
            samples[v] += rows
            print(f"[bench] boot {b + 1}/{args.boots} {v:{width}}: " + ", ".join(
                f"{op} {c[op][0]}" for op, _ in COUNT_OPS) + " instructions", flush=True)

    def count(v, op):
        """The count of OP in V's boots: one number when they agree, else
        'min-max'; and the first boot's count, for the ratios."""
        got = sorted({c[op][0] for c in counts[v]})
        return (str(got[0]) if len(got) == 1 else f"{got[0]}-{got[-1]}"), counts[v][0][op][0]

    print(f"\ninstructions per call, scenario {sc.name}, {args.boots} boots per variant, "
          f"fewest of {args.batches} batches of 8 calls (guest PMU, user + kernel)\n")
    print(f"| operation | {base} | {other} | {other}/{base} | {other}/{base} above the floor |")
    print("|---|---:|---:|---:|---:|")
    floor = {v: count(v, "check_extension")[1] for v in (base, other)}
    for op, label in COUNT_OPS:
        (sa, a), (so, o) = count(base, op), count(other, op)
        above = ("-" if op == "check_extension" or a == floor[base]
                 else f"{(o - floor[other]) / (a - floor[base]):.3f}")
        print(f"| {label} | {sa} | {so} | {o / a:.3f} | {above} |")
    agree = all(len({c[op][0] for c in counts[v]}) == 1
                for v in (base, other) for op, _ in COUNT_OPS)
    print("\nthe boots' counts " + ("agree exactly" if agree else
                                     "differ where a range is shown"))

    print(f"\nsecondary: median ns per call, {args.calls} calls x {args.rounds - 1} rounds x "
          f"{args.boots} boots (TCG guest; only the ratio means anything)\n")
    print(f"{'call':18} {base:>8} {other:>8} {other + '/' + base:>10}")
    for i, m in enumerate(METRICS):
        a = statistics.median(r[i] for r in samples[base])
        o = statistics.median(r[i] for r in samples[other])
        label = m + (" (floor)" if m == "check_extension" else "")
        print(f"{label:18} {a:8.0f} {o:8.0f} {o / a:10.3f}")

    if args.no_sizes:
        return 0
    print("\nbytes of the objects holding the feature (text, data), "
          "built with their KUnit suites off (variants size-c, size-rust)\n")
    sz = {v: sizes(v) for v in (base, other)}
    print(f"| object | {base} text | {other} text | {base} data | {other} data |")
    print("|---|---:|---:|---:|---:|")
    for o in OBJECTS:
        print(f"| {os.path.basename(o)} | " + " | ".join(
            str(sz[v].get(o, (0, 0))[k]) for k in (0, 1) for v in (base, other)) + " |")
    tot = {v: [sum(x[k] for x in sz[v].values()) for k in (0, 1)] for v in (base, other)}
    print(f"| total | {tot[base][0]} | {tot[other][0]} | {tot[base][1]} | {tot[other][1]} |")
    print(f"\nthe feature in {other} against {base}: text {tot[other][0] - tot[base][0]:+} "
          f"bytes, data {tot[other][1] - tot[base][1]:+} bytes")
    rust_obj = OBJECTS[-1]
    if os.path.exists(size_object(other, rust_obj)):
        print(f"\n{other} {os.path.basename(rust_obj)} text by kind of symbol:")
        for k, n in sorted(breakdown(other, rust_obj).items(), key=lambda kv: -kv[1]):
            print(f"  {n:6}  {k}")
        print(f"\n{other} {os.path.basename(rust_obj)}: its largest symbols (text)")
        syms = sorted((s for s in symbols(size_object(other, rust_obj)) if s[1] in "tT"),
                      reverse=True)
        for n, _, name in syms[:12]:
            print(f"  {n:6}  {name}")
    return 0


class Tee:
    """Writes to the terminal and to the saved copy."""

    def __init__(self, *files):
        self.files = files

    def write(self, text):
        for f in self.files:
            f.write(text)

    def flush(self):
        for f in self.files:
            f.flush()


if __name__ == "__main__":
    os.makedirs(os.path.join(run.OUT, "logs"), exist_ok=True)
    saved = os.path.join(run.OUT, "logs", "bench.txt")
    with open(saved + ".new", "w", encoding="utf-8") as f:
        sys.stdout = Tee(sys.__stdout__, f)
        try:
            rc = main()
        finally:
            # Also on --help and sys.exit(): the file closes next.
            sys.stdout = sys.__stdout__
    if rc == 0 and "--no-sizes" not in sys.argv:
        os.replace(saved + ".new", saved)
        print(f"[bench] saved in {os.path.relpath(saved, run.TOP)}")
    else:
        os.remove(saved + ".new")
    sys.exit(rc)
