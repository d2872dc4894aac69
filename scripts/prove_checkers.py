#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make prove-checkers: every kind of kernel report that the runner fails a
boot on, planted once and caught under its name.

The kernel is the debug variant (out/prove/debug) built from the series
with selftests/prove-checkers' throw-away patch, which plants the bug that
kpc_prove=KIND names at the first KVM_PPC_GET_COMPAT_CAPS of the boot. One
boot per kind, in a nested scenario, with compat_caps (which makes that
call). A kind is caught when scripts/run.py fails the boot on the kernel
log and names the first report as that kind, and the planted bug's mark is
in the log (so the report is the planted one). The controls must pass: a
boot with nothing planted, and one with a fault-injection report (what a
test asks for, not a bug).
"""

import argparse
import concurrent.futures
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402

# kpc_prove=KIND, the name run.py must give its report (None: the boot must
# pass), and the mark the planted bug leaves in the log.
PLANTED = [
    ("warning", "WARNING", r"^WARNING: .*arch/powerpc/kernel/kpc_prove\.c:\d+"),
    ("bug", "BUG", r"^kernel BUG at \S*arch/powerpc/kernel/kpc_prove\.c:\d+!"),
    ("oops", "Oops", r"^BUG: Kernel NULL pointer dereference on read at 0x0*7a0$"),
    ("ubsan", "UBSAN", r"^UBSAN: shift-out-of-bounds in \S*arch/powerpc/kernel/kpc_prove\.c:"),
    ("lockdep", "lockdep", r"kpc_prove_lock_a.*\n(.*\n){0,40}.*kpc_prove_lock_b|"
                           r"kpc_prove_lock_b.*\n(.*\n){0,40}.*kpc_prove_lock_a"),
    ("atomic-sleep", "sleeping-while-atomic",
     r"^BUG: sleeping function called from invalid context at "
     r"\S*arch/powerpc/kernel/kpc_prove\.c:\d+"),
    ("kmemleak", "kmemleak", r"^unreferenced object 0x[0-9a-f]+ .*\n(.*\n){0,8}\s*kpc_prove_leak\+"),
    ("fault-injection", None, r"^FAULT_INJECTION: forcing a failure\.\n(.*\n){0,12}Call Trace:"),
    ("none", None, r"^kpc_prove: nothing planted for none$"),
]
SCENARIO = "v2-p10"
PROGS = ["compat_caps"]


def verdict(kind, want, mark, results, text):
    """(caught, what the runner said) for one boot."""
    log = next((why for r in results for name, (st, why) in r.cases.items()
                if name == "(kernel log)" and st == "fail"), None)
    other = [f"{r.prog}.{name}: {why}" for r in results
             for name, (st, why) in r.cases.items()
             if st == "fail" and name != "(kernel log)"]
    planted = re.search(mark, text, re.M) is not None
    if want is None:
        if log or other:
            return False, f"failed, should pass: {(log and [log] or other)[0]}"
        if not planted:
            return False, "passed, but the planted report is not in the log"
        return True, "passed" + (" (with the fault-injection report and its "
                                  "stack dump in the log)" if kind != "none" else "")
    if not log:
        return False, "the runner did not fail the boot on the kernel log"
    if not log.startswith(f"[{want}] "):
        return False, f"named wrongly: {log}"
    if not planted:
        return False, f"named {want}, but the planted bug's mark is not in the log: {log}"
    return True, log


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variant", default="debug")
    ap.add_argument("--kinds", default=",".join(k for k, _, _ in PLANTED))
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--timeout", type=int, default=300)
    args = ap.parse_args()

    kinds = args.kinds.split(",")
    unknown = set(kinds) - {k for k, _, _ in PLANTED}
    if unknown:
        sys.exit(f"prove_checkers.py: unknown kind(s): {', '.join(sorted(unknown))}")
    sc = next(s for s in run.load_scenarios(os.path.join(run.TOP, "selftests", "scenarios"))
              if s.name == SCENARIO)
    logdir = os.path.join(run.OUT, "logs", args.variant)
    os.makedirs(logdir, exist_ok=True)
    module = run.is_modular(args.variant)

    rows = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as ex:
        futs = {ex.submit(run.boot, args.variant, sc, PROGS, module, args.timeout, logdir,
                          [f"kpc_prove={k}"], f"prove-{k}"): (k, want, mark)
                for k, want, mark in PLANTED if k in kinds}
        for fut in concurrent.futures.as_completed(futs):
            k, want, mark = futs[fut]
            results, elapsed, log = fut.result()
            with open(log, encoding="utf-8") as f:
                text = f.read()
            caught, said = verdict(k, want, mark, results, text)
            rows[k] = (want or "(must pass)", caught, said)
            print(f"[prove] {k:16} {elapsed:6.1f} s  {'ok' if caught else 'FAIL':4}  "
                  f"{os.path.relpath(log, run.TOP)}", flush=True)

    print(f"\n{'planted':16} {'runner must say':22} verdict")
    for k in kinds:
        want, caught, said = rows[k]
        print(f"{k:16} {want:22} {'caught: ' if caught else 'MISSED: '}{said[:160]}")
    missed = [k for k in kinds if not rows[k][1]]
    print(f"\n{len(kinds) - len(missed)} of {len(kinds)} planted kinds caught as named"
          + (f"; missed: {', '.join(missed)}" if missed else ""))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
