#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""kvm-unit-tests in the nested host (make peer).

Boots each variant in each scenario with the suite that scripts/peer.sh
staged (out/VARIANT/initramfs-peer.cpio.gz); in the guest, /tests/kut_peer
runs the suite's own runner with the client QEMU and -accel kvm, in raw
mode and in each mode the scenario's L0 grants. Prints a table, one row per
variant, scenario and mode, one column per test, then why each test that
did not pass failed, and whether c and rust agree cell by cell.

A failure listed in selftests/peer/known (the failing line, with its
traced cause) is shown as "known" and does not fail the run; any other
failure does, and so do a difference between the variants and a kernel
report in an L1's log. A listed test that passed is shown as "pass*".
Raw mode where the L0 does not grant the processor's own mode must be
refused ("refused": KVM_RUN fails with EINVAL in every test).
"""

import argparse
import concurrent.futures
import fnmatch
import os
import re
import sys
import time

import run

TOP = run.TOP
OUT = run.OUT
DEFAULT_SCENARIOS = "v2-p10,v2-p11-c10,v1-p10,bare-p10"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
VERDICT = re.compile(r"^(PASS|FAIL|SKIP) (\S+)(?: (.*))?$")
# What in a test's log says why it failed, most telling first.
WHY = [re.compile(rx) for rx in (
    r"KVM: unknown exit.*", r"kvm run failed.*", r"Unhandled .*exception.*",
    r"^FAIL: .*", r"qemu-peer: .*",
    r"qemu-system-ppc64: (?!warning|terminating on signal).*")]
# Raw mode where the L0 does not grant the processor's own mode: KVM must
# refuse the vCPU at its first KVM_RUN (the series' raw-mode rule, as the
# real client's unguided run shows), so every test must end so.
REFUSED = "kvm run failed Invalid argument"


def parse(text):
    """{mode: {test: (status, why)}} from a boot's console, and the modes'
    runner exit codes."""
    cells, rcs = {}, {}
    mode, logname, logs = None, None, {}
    for raw in text.splitlines():
        line = ANSI.sub("", raw).rstrip()
        m = re.match(r"^KPC-PEER-MODE (\S+)$", line)
        if m:
            mode, logname, logs = m.group(1), None, {}
            cells[mode] = {}
            continue
        m = re.match(r"^KPC-PEER-END (\S+) rc=(\d+)$", line)
        if m and mode:
            rcs[mode] = int(m.group(2))
            for test, (st, why) in cells[mode].items():
                if st == "fail":
                    cells[mode][test] = (st, log_reasons(logs.get(test, []), why))
            mode, logname = None, None
            continue
        if mode is None:
            continue
        m = re.match(r"^KPC-PEER-LOG (\S+)$", line)
        if m:
            logname = m.group(1)
            logs[logname] = []
            continue
        if logname:
            logs[logname].append(line)
            continue
        m = VERDICT.match(line)
        if m:
            st = {"PASS": "pass", "FAIL": "fail", "SKIP": "skip"}[m.group(1)]
            cells[mode][m.group(2)] = (st, (m.group(3) or "").strip("() "))
    return cells, rcs


def log_reasons(lines, summary):
    """Why a test failed: every telling line of its log (its FAIL lines, an
    unhandled exception, QEMU's end), else the runner's summary."""
    found = []
    for line in lines:
        for rx in WHY:
            m = rx.search(line)
            if m:
                found.append(m.group(0).strip())
                break
    return found or [summary or "(no reason in the log)"]


def load_known(path):
    """[(scenario glob, mode glob, test, failure line, cause)] from
    selftests/peer/known: lines 'SCENARIO MODE TEST | LINE | CAUSE'."""
    known = []
    if not os.path.exists(path):
        return known
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            parts = [p.strip() for p in line.split("|")]
            where = parts[0].split()
            if len(parts) != 3 or len(where) != 3 or not parts[1] or not parts[2]:
                sys.exit(f"peer.py: {path}:{n}: not 'SCENARIO MODE TEST | LINE | CAUSE'")
            known.append((*where, parts[1], parts[2]))
    return known


def known_causes(known, scenario, mode, test, reasons):
    """The causes of REASONS if every one is listed for this cell, else None."""
    causes = []
    for why in reasons:
        cause = next((c for sc, md, t, line, c in known
                      if fnmatch.fnmatch(scenario, sc) and fnmatch.fnmatch(mode, md)
                      and t == test and line in why), None)
        if cause is None:
            return None
        if cause not in causes:
            causes.append(cause)
    return causes


def listed(known, scenario, mode, test):
    """Whether selftests/peer/known lists a failure of this cell at all."""
    return any(fnmatch.fnmatch(scenario, sc) and fnmatch.fnmatch(mode, md) and t == test
               for sc, md, t, _, _ in known)


def boot(variant, sc, tests, timeout, limit):
    prog = ":".join(["kut_peer"] + tests)
    # A nested host's L0 is the patched QEMU (qemu/, scripts/l0-qemu.sh),
    # with the fixes of QEMU's nested APIs that the suite needs.
    cmd = run.qemu_cmd(variant, sc, [prog], run.is_modular(variant), [f"kpc.limit={limit}"],
                       initrd="initramfs-peer.cpio.gz", patched_l0=sc.api in ("v1", "v2"))
    logdir = os.path.join(OUT, "logs", "peer", variant)
    os.makedirs(logdir, exist_ok=True)
    log = os.path.join(logdir, f"{sc.name}.log")
    start = time.monotonic()
    text, timed_out = run.run_qemu(cmd, timeout)
    elapsed = time.monotonic() - start
    with open(log, "w", encoding="utf-8") as f:
        f.write("# " + " ".join(cmd) + "\n")
        f.write(text)
    return text, timed_out, elapsed, log


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variants", default="c,rust")
    ap.add_argument("--scenarios", default=DEFAULT_SCENARIOS)
    ap.add_argument("--tests", default="",
                    help="the suite's tests, comma list (default: all of unittests.cfg)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--timeout", type=int, default=5400, help="seconds per boot")
    ap.add_argument("--known", default=os.path.join(TOP, "selftests", "peer", "known"))
    args = ap.parse_args()

    scenarios = {s.name: s for s in run.load_scenarios(os.path.join(TOP, "selftests", "scenarios"))}
    wanted = args.scenarios.split(",")
    unknown = [s for s in wanted if s not in scenarios]
    if unknown:
        sys.exit(f"peer.py: unknown scenario(s): {', '.join(unknown)}")
    variants = args.variants.split(",")
    for v in variants:
        if not os.path.exists(os.path.join(OUT, v, "initramfs-peer.cpio.gz")):
            sys.exit(f"peer.py: out/{v}/initramfs-peer.cpio.gz missing: scripts/peer.sh {v}")
    tests = [t for t in args.tests.split(",") if t]
    known = load_known(args.known)

    jobs = [(v, scenarios[s]) for v in variants for s in wanted]
    rows, bad = {}, []
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as ex:
        futs = {ex.submit(boot, v, sc, tests, args.timeout, args.timeout - 120): (v, sc)
                for v, sc in jobs}
        for fut in concurrent.futures.as_completed(futs):
            v, sc = futs[fut]
            text, timed_out, elapsed, log = fut.result()
            cells, rcs = parse(text)
            verdict = "ok"
            if timed_out:
                bad.append(f"{v}/{sc.name}: the boot did not end in {args.timeout} s")
                verdict = "TIMEOUT"
            reports = run.kernel_reports(text)
            if reports:
                bad.append(f"{v}/{sc.name}: the L1 kernel reported {run.trouble_reason(reports)}")
                verdict = "REPORT"
            want_modes = ["raw"] + sc.expect
            for mode in want_modes:
                if mode not in rcs:
                    bad.append(f"{v}/{sc.name}: mode {mode}: the suite's runner did not finish")
                    verdict = "FAIL"
                elif not cells.get(mode):
                    bad.append(f"{v}/{sc.name}: mode {mode}: the runner ran no test "
                               f"(rc={rcs[mode]})")
                    verdict = "FAIL"
                rows[(v, sc.name, mode)] = cells.get(mode, {})
            print(f"[peer] {v:6} {sc.name:12} {elapsed:7.1f} s  {verdict:7} "
                  f"{os.path.relpath(log, TOP)}", flush=True)

    # The table.
    order = {(v, sc.name): i for i, (v, sc) in enumerate(jobs)}
    keys = sorted(rows, key=lambda k: (order[(k[0], k[1])], (["raw"] + scenarios[k[1]].expect).index(k[2])))
    names = []
    for k in keys:
        for t in rows[k]:
            if t not in names:
                names.append(t)
    reasons = {}
    table = []
    n_known = 0
    n_refused = 0
    stale = []
    for v, s, mode in keys:
        line = [v, s, mode]
        sc = scenarios[s]
        must_refuse = (mode == "raw" and sc.api in ("v1", "v2")
                       and run.CPU_MODE[sc.cpu] not in sc.expect)
        for t in names:
            st, why = rows[(v, s, mode)].get(t, ("", ""))
            if must_refuse:
                if st == "fail" and any(REFUSED in w for w in why):
                    line.append("refused")
                    n_refused += 1
                else:
                    line.append("RAN" if st == "pass" else "FAIL")
                    bad.append(f"{v}/{s}/raw: {t}: KVM must refuse raw mode here "
                               f"({sc.cpu}, granted {','.join(sc.expect)}), got {st or 'nothing'}"
                               + (f": {'; '.join(why)}" if st == "fail" else ""))
                continue
            if st == "fail":
                causes = known_causes(known, s, mode, t, why)
                if causes:
                    n_known += 1
                    line.append("known")
                    for w in why:
                        reasons.setdefault(("known", w, " / ".join(causes)), []).append(
                            f"{v}/{s}/{mode}:{t}")
                else:
                    line.append("FAIL")
                    for w in why:
                        reasons.setdefault(("FAIL", w, None), []).append(f"{v}/{s}/{mode}:{t}")
                    bad.append(f"{v}/{s}/{mode}: {t} failed: {'; '.join(why)}")
            elif st == "pass" and listed(known, s, mode, t):
                # Not an error (a timing-bound failure may pass once), but
                # said, so that a fixed failure leaves the list.
                line.append("pass*")
                stale.append(f"{v}/{s}/{mode}:{t}")
            else:
                line.append({"pass": "pass", "skip": "skip", "": "-"}[st])
                if st == "skip":
                    reasons.setdefault(("skip", why or "(no reason given)", None), []).append(
                        f"{v}/{s}/{mode}:{t}")
        table.append(line)
    head = ["variant", "scenario", "mode"] + names
    widths = [max(len(x) for x in col) for col in zip(head, *table)]
    print()
    for line in [head] + table:
        print("  ".join(x.ljust(w) for x, w in zip(line, widths)).rstrip())
    print()
    for (st, why, cause), where in sorted(reasons.items(), key=lambda kv: kv[0][0] != "FAIL"):
        print(f"{st}: {why}")
        if cause:
            print(f"    cause: {cause}")
        print(f"    in:    {' '.join(where)}")

    if stale:
        print("pass*: passed, though selftests/peer/known lists a failure there: "
              + " ".join(stale))

    # c and rust, cell by cell.
    if len(variants) > 1:
        differ = []
        for v, s, mode in keys:
            if v != variants[0]:
                continue
            for other in variants[1:]:
                a, b = rows.get((v, s, mode), {}), rows.get((other, s, mode), {})
                for t in names:
                    if a.get(t, ("",))[0] != b.get(t, ("",))[0]:
                        differ.append(f"{s}/{mode}:{t} {v}={a.get(t, ('-',))[0]} "
                                      f"{other}={b.get(t, ('-',))[0]}")
        if differ:
            bad += [f"the variants differ: {d}" for d in differ]
        else:
            print(f"\n{' and '.join(variants)} agree in every cell")
    counts = {}
    for k in keys:
        for st, _ in rows[k].values():
            counts[st] = counts.get(st, 0) + 1
    print(f"{counts.get('pass', 0)} passed, {counts.get('fail', 0) - n_refused} failed "
          f"({n_known} of them listed in selftests/peer/known), "
          f"{n_refused} refused in raw mode as they must, {counts.get('skip', 0)} skipped")
    for b in bad:
        print(f"error: {b}")
    return 1 if bad or not rows else 0


if __name__ == "__main__":
    sys.exit(main())
