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
test asks for, not a bug). One more kind is a bug of the interface, not a
report: "refuse" makes KVM_SET_ONE_REG refuse a mode the ioctl reports,
and compat_caps run without the runner's variables (as on a real host)
must fail on it, with a clean kernel log.
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
    # Not a kernel report: a kernel that reports a mode it refuses, which
    # the kselftests must catch without the runner's variables.
    ("refuse", run.NO_ENV + "compat_caps",
     r"^kpc_prove: refusing the granted mode 0x0f000005$"),
]
SCENARIO = "v2-p10"
PROGS = ["compat_caps"]
# A scenario where make check runs the kselftests without the variables
# too (run.NO_ENV_SCENARIOS), for the kinds that a kselftest must catch.
NO_ENV_SCENARIO = "v2-p11-c10"


def boot_of(kind, want):
    """(scenario name, programs) of KIND's boot."""
    if want and want.startswith(run.NO_ENV):
        return NO_ENV_SCENARIO, run.with_no_env(PROGS, NO_ENV_SCENARIO, [NO_ENV_SCENARIO])
    return SCENARIO, PROGS


def verdict(kind, want, mark, results, text):
    """(caught, what the runner said) for one boot."""
    log = next((why for r in results for name, (st, why) in r.cases.items()
                if name == "(kernel log)" and st == "fail"), None)
    other = [f"{r.prog}.{name}: {why}" for r in results
             for name, (st, why) in r.cases.items()
             if st == "fail" and name != "(kernel log)"]
    planted = re.search(mark, text, re.M) is not None
    if want and want.startswith(run.NO_ENV):
        fails = [f"{name}: {why}" for r in results if r.prog == want
                 for name, (st, why) in r.cases.items() if st == "fail"]
        if log:
            return False, f"the kernel log failed the boot, not {want}: {log}"
        if not fails:
            return False, f"{want} passed: the planted bug went unseen"
        if not planted:
            return False, f"{want} failed, but the planted bug's mark is not in the log"
        return True, f"{want} failed: {fails[0]}"
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
    scenarios = {s.name: s for s in
                 run.load_scenarios(os.path.join(run.TOP, "selftests", "scenarios"))}
    logdir = os.path.join(run.OUT, "logs", args.variant)
    os.makedirs(logdir, exist_ok=True)
    module = run.is_modular(args.variant)

    rows = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as ex:
        futs = {}
        for k, want, mark in PLANTED:
            if k not in kinds:
                continue
            name, progs = boot_of(k, want)
            futs[ex.submit(run.boot, args.variant, scenarios[name], progs, module,
                           args.timeout, logdir, [f"kpc_prove={k}"],
                           f"prove-{k}")] = (k, want, mark)
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
