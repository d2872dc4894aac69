#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Boot the scenarios of selftests/scenarios under QEMU (TCG) and judge them.

Each boot is one kernel variant (out/VARIANT/vmlinux + initramfs) in one
scenario. The guest's /init (scripts/guest-init) runs the requested programs
and frames each one's KTAP output with KPC-BEGIN/KPC-END lines; this script
parses those, checks the kernel log, prints a table (scenario x test) and,
last, the plain line "N passed, N failed, N skipped".
"""

import argparse
import concurrent.futures
import fnmatch
import json
import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.environ.get("OUT", os.path.join(TOP, "out"))
QEMU = "qemu-system-ppc64"
# The PowerVM-like L0 (scripts/l0-qemu.sh): Debian's QEMU source with this
# project's patch, for scenarios whose machine sets x-nested-papr-grant. Its
# firmware is the system QEMU's (the same version).
CACHE = os.environ.get("KPC_CACHE") or os.path.join(
    os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "kvm-ppc-compat")
L0_QEMU = os.path.join(CACHE, "l0-qemu", "qemu-system-ppc64")
L0_OPTION = "x-nested-papr-grant"

# pseries capabilities that TCG cannot provide: turn them off so that QEMU
# does not warn about them at every boot.
PSERIES_TCG_CAPS = "cap-cfpc=broken,cap-sbbc=broken,cap-ibs=broken,cap-ccf-assist=off"
# pseries firmware: QEMU's Virtual Open Firmware instead of SLOF. It does
# what a -kernel boot needs (the client interface, CAS, so max-cpu-compat
# applies) and saves SLOF's ~5 s under TCG: half a boot.
PSERIES_FIRMWARE = "x-vof=on"

# The kinds of kernel report that fail a boot whatever the tests said: a
# line that starts a report, and the name the verdict gives it. The first
# pattern that matches names the line, so the specific ones come before
# the general (lockdep's and UBSAN's headers say WARNING, a planted BUG()
# is followed by an Oops). make prove-checkers plants one bug of each kind
# and checks that it is named so.
REPORT_KINDS = [
    ("sleeping-while-atomic",
     r"BUG: (sleeping function called from invalid context|scheduling while atomic)"),
    ("KCSAN", r"BUG: KCSAN: "),
    ("KASAN", r"BUG: KASAN: |KASAN: "),
    ("UBSAN", r"UBSAN: "),
    ("lockdep", r"WARNING: (possible (circular|recursive) locking|inconsistent lock state|"
                r"suspicious RCU usage|bad unlock balance|held lock freed|"
                r"lock held when returning)|BUG: (held lock freed|MAX_LOCKDEP)"),
    ("kmemleak", r"unreferenced object 0x"),
    ("BUG", r"kernel BUG at "),
    ("Oops", r"BUG: (Unable to handle kernel|Kernel NULL pointer dereference)|Oops"),
    ("WARNING", r"WARNING:"),
    ("panic", r"Kernel panic"),
    ("BUG", r"BUG:"),
    # A stack dump that no report above started (dump_stack() on its own).
    ("stack dump", r"Call Trace:"),
]
REPORT_RX = [(kind, re.compile(rx)) for kind, rx in REPORT_KINDS]
# Reports that are not a failure: what a test asked for. Their stack dump
# (the Call Trace a few lines below) is theirs too.
NOT_A_FAILURE = [
    ("fault-injection", re.compile(r"FAULT_INJECTION: forcing a failure")),
]
# How far below its report's first line a Call Trace still belongs to it.
TRACE_REACH = 100
# Lines that would start a report but are expected, each whole and with its
# reason. Nothing else is let through.
KERNEL_EXPECTED = [
    (re.compile(r"^WARNING: nvram corruption detected: 0-length partition$"),
     "pseries under VOF: the NVRAM is left unformatted (SLOF would format it); "
     "pseries' nvram.c says so and stops scanning it; nothing here uses NVRAM"),
]


# The prefix printk puts before a kernel message with PRINTK_TIME (and
# PRINTK_CALLER), as distributions' configs have: "[    6.25][    T1] ".
PRINTK_PREFIX = re.compile(r"^\[\s*\d+\.\d+\](?:\[\s*[TC]\d+\])? ?")


def unprefixed(line):
    """LINE without printk's time and caller prefix, if it has one."""
    return PRINTK_PREFIX.sub("", line, count=1)


def kernel_reports(text, l2=False):
    """The kernel reports in a log that fail a boot: [(kind, line)], in the
    order they came. The console of an L2 that the real client booted is
    printed in the boot's log with each line prefixed L2_PREFIX: those
    lines are the L2 kernel's (l2=True), not the L1's."""
    lines = (l for l in text.splitlines() if l.startswith(L2_PREFIX) == l2)
    lines = (l[len(L2_PREFIX):] if l2 else l for l in lines)
    reports = []
    since_report = TRACE_REACH + 1	# lines since the last report's first
    for line in (unprefixed(l.strip()) for l in lines):
        since_report += 1
        if any(rx.match(line) for rx, _ in KERNEL_EXPECTED):
            continue
        if any(rx.search(line) for _, rx in NOT_A_FAILURE):
            since_report = 0
            continue
        kind = next((k for k, rx in REPORT_RX if rx.search(line)), None)
        if kind is None:
            continue
        if kind == "stack dump" and since_report <= TRACE_REACH:
            continue
        # One report is one line: the lines of a report that matches
        # another kind (the Oops after a kernel BUG, the panic after
        # either) are reports of their own, as the kernel counts them.
        reports.append((kind, line))
        since_report = 0
    return reports


def kernel_trouble(text, l2=False):
    """The lines of kernel_reports()."""
    return [line for _, line in kernel_reports(text, l2)]


def trouble_reason(reports):
    """A verdict's reason for a log's reports: the first, named by kind,
    and the kinds of the others."""
    kind, line = reports[0]
    more = ""
    if len(reports) > 1:
        others = sorted({k for k, _ in reports[1:]})
        more = f" (and {len(reports) - 1} more: {', '.join(others)})"
    return f"[{kind}] {line}{more}"


@dataclass
class Scenario:
    name: str
    api: str
    machine: str
    cpu: str
    expect: list
    default: bool = False


@dataclass
class Result:
    variant: str
    scenario: str
    prog: str
    # subtest name -> "pass" | "fail" | "skip"; reasons for skip/fail
    cases: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    output: str = ""


def load_scenarios(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            name, api, machine, cpu, expect = line.split()
            default = name.endswith("*")
            name = name.rstrip("*")
            modes = [] if expect == "-" else expect.split(",")
            out.append(Scenario(name, api, machine, cpu, modes, default))
    return out


def qemu_cmd(variant, sc, run, module, append_more=(), initrd="initramfs.cpio.gz",
             patched_l0=False):
    obj = os.path.join(OUT, variant)
    append = ["console=hvc0", "rdinit=/init", "panic=-1", "oops=panic",
              f"kpc.api={sc.api}", f"kpc.expect={','.join(sc.expect)}",
              f"kpc.cpu={sc.cpu}",
              f"kpc.run={','.join(run)}"]
    if module:
        append.append("kpc.module=1")
    append += append_more
    # The real client (QEMU inside the guest) gives its L2 512 MiB.
    client = any(p.startswith((CLIENT_PROG, PEER_PROG)) for p in run)
    if sc.machine.startswith("powernv"):
        machine = sc.machine
        mem = "3G" if client else "2G"
    else:
        machine = f"{sc.machine},{PSERIES_FIRMWARE},{PSERIES_TCG_CAPS}"
        mem = "2G" if client else "1G"
    qemu = [QEMU]
    if L0_OPTION in sc.machine or patched_l0:
        qemu = [L0_QEMU, "-L", "/usr/share/qemu"]
    return qemu + ["-M", machine, "-cpu", sc.cpu, "-smp", "2", "-m", mem,
            "-accel", "tcg", "-nographic", "-nodefaults",
            "-serial", "mon:stdio", "-no-reboot",
            "-kernel", os.path.join(obj, "vmlinux"),
            "-initrd", os.path.join(obj, initrd),
            "-append", " ".join(append)]


# Programs run after all others, the real client included: the uaccess
# reproducer writes into the kernel of an unfixed bare-metal host (make
# released), which then oopses; what ran before is judged all the same.
RUN_LAST = ["uaccess_kernel_ptr"]

# The real client: Debian's QEMU run in the guest (selftests/client/qemu_l2).
CLIENT_PROG = "qemu_l2"
# The client's two runs: as QEMU picks the L2's mode, and as the sample
# tells it.
CLIENT_RUNS = [f"{CLIENT_PROG}:unguided", f"{CLIENT_PROG}:guided"]
# kvm-unit-tests in the guest (make peer: scripts/peer.py), a client too.
PEER_PROG = "kut_peer"
# How the client prints its L2's console.
L2_PREFIX = "l2| "
# The cpu line of /proc/cpuinfo of a Linux guest in each compat mode
# (arch/powerpc/kernel/cpu_specs_book3s_64.h).
ARCHITECTED = {"p9": "POWER9 (architected)", "p10": "POWER10 (architected)",
               "p11": "Power11 (architected)"}
LOGICAL_PVR = {"p9": "0x0f000005", "p10": "0x0f000006", "p11": "0x0f000007"}
MODE_ORDER = ["p9", "p10", "p11"]
# QEMU's -cpu of a scenario -> the mode of that processor itself.
CPU_MODE = {"power9": "p9", "power10": "p10", "power11": "p11"}

# The series' kselftests. They judge the host from what it says of itself;
# the scenario's KVM_PPC_* variables (guest-init exports them) are a check
# on top. In NO_ENV_SCENARIOS each runs a second time without them (its
# name prefixed NO_ENV, which guest-init understands), judged the same way
# and shown in rows of their own, "SCENARIO (no env)".
KSELFTESTS = ["compat_caps", "compat_caps_l2", "compat_caps_fuzz", "compat_caps_threads"]
NO_ENV = "noenv/"
NO_ENV_SCENARIOS = ["v2-p11-c10", "v1-p10", "bare-p10", "none-p10"]
NO_ENV_LABEL = " (no env)"


def with_no_env(progs, scenario, scenarios):
    """PROGS for a boot of SCENARIO: if it is one of SCENARIOS, the
    kselftests among PROGS again without the environment, after the last
    of them."""
    again = [NO_ENV + p for p in progs if p in KSELFTESTS]
    if scenario not in scenarios or not again:
        return list(progs)
    last = max(i for i, p in enumerate(progs) if p in KSELFTESTS)
    return progs[:last + 1] + again + progs[last + 1:]


def plain_prog(prog):
    """The program a run of PROG starts: noenv/compat_caps -> compat_caps."""
    return prog[len(NO_ENV):] if prog.startswith(NO_ENV) else prog


def row_name(r):
    """The scenario column of a result's row: runs without the environment
    have rows of their own."""
    return r.scenario + (NO_ENV_LABEL if r.prog.startswith(NO_ENV) else "")


def l1_mode(sc):
    """The mode the scenario's L0 runs the L1 in: max-cpu-compat, else the
    processor's own."""
    m = re.search(r"max-cpu-compat=(power\d+)", sc.machine)
    return CPU_MODE[m.group(1) if m else sc.cpu]


def client_outcome(sc, how):
    """What the real client must do in a scenario, from the table only:
    ("boots", mode), ("refused", None), ("qemu-dawr1", None) or
    ("no-kvm", None).

    guided: QEMU with max-cpu-compat set to the newest mode the sample
    reports boots the L2 in that mode, the newest the L0 grants.
    unguided: QEMU (-cpu host) starts the vcpu in raw mode and at CAS asks
    for the processor's own mode. Raw mode runs a guest as the processor
    itself, which a nested host can do exactly when the L0 grants that
    mode: then the L2 boots in it (architected, CAS's choice); otherwise
    KVM refuses the first KVM_RUN and the L2 never runs an instruction.
    Before that, QEMU itself refuses to start a Power10 or newer -cpu host
    on an L1 that runs in Power9 mode: its cap-dawr1 default (on from
    Power10) needs KVM's DAWR1 capability, which such a host lacks."""
    if sc.api == "none":
        return ("no-kvm", None)
    if how == "guided":
        return ("boots", max(sc.expect, key=MODE_ORDER.index))
    native = CPU_MODE[sc.cpu]
    if MODE_ORDER.index(native) >= 1 and l1_mode(sc) == "p9":
        return ("qemu-dawr1", None)
    return ("boots", native) if native in sc.expect else ("refused", None)


def judge_client(sc, prog, output):
    """The real client's run (selftests/client/qemu_l2) against the
    scenario: {case: (status, reason)}."""
    how = prog.split(":", 1)[1] if ":" in prog else "unguided"
    case = f"{CLIENT_PROG}.{how}"
    want, mode = client_outcome(sc, how)
    m = re.search(r"^KPC-CLIENT end=(\S+) seconds=(\d+)$", output, re.M)
    end, secs = (m.group(1), int(m.group(2))) if m else (None, 0)
    cpu = re.search(r"^KPC-L2 cpu: (.*)$", output, re.M)
    version = re.search(r"^KPC-L2 cpu-version: ?(.*)$", output, re.M)
    ran = re.search(r"^KPC-L2 done$", output, re.M) is not None
    cas = re.search(rf"^{re.escape(L2_PREFIX)}spapr_cas_pvr .*new=(0x[0-9a-f]+)", output, re.M)
    got = (f"end={end} after {secs} s, L2 cpu: {cpu.group(1) if cpu else '-'}, "
           f"cpu-version: {version.group(1) if version else '-'}, "
           f"CAS: {cas.group(1) if cas else '-'}")
    if end is None:
        return {case: ("fail", "the client did not finish")}
    if want == "no-kvm":
        if ran:
            return {case: ("fail", f"an L2 ran without nesting: {got}")}
        return {case: ("skip", "no nesting: no KVM-HV for QEMU")}
    if end == "timeout":
        return {case: ("fail", f"L2 hung: {got}")}
    trouble = kernel_reports(output, l2=True)
    if want == "qemu-dawr1":
        if ran or cas or end != "exited" or "DAWR1 not supported by KVM" not in output:
            return {case: ("fail", "expected QEMU to refuse to start (DAWR1 not "
                           f"supported by KVM), the L2 never running: {got}")}
        return {case: ("pass", "")}
    if want == "refused":
        if ran or cas or end != "kvm-run-failed":
            return {case: ("fail", "expected the first KVM_RUN refused (raw mode not "
                           f"granted), the L2 never running: {got}")}
        return {case: ("pass", "")}
    if not ran:
        return {case: ("fail", f"expected the L2 to boot in {ARCHITECTED[mode]}: {got}")}
    if cpu.group(1).split(",")[0] != ARCHITECTED[mode]:
        return {case: ("fail", f"expected {ARCHITECTED[mode]}: {got}")}
    if not version or set(version.group(1).split()) != {LOGICAL_PVR[mode]}:
        return {case: ("fail", f"expected cpu-version {LOGICAL_PVR[mode]}: {got}")}
    if trouble:
        return {case: ("fail", f"L2 kernel: {trouble_reason(trouble)}")}
    return {case: ("pass", "")}

# kselftest_harness.h's report of a failed EXPECT/ASSERT:
# "# file.c:LINE:case:Expected a (1) == b (2)", then its TH_LOG lines.
HARNESS_EXPECTED = re.compile(r"^# (\S+\.[ch]):(\d+):[^:\s]+:(Expected .*)$")
HARNESS_LOG = re.compile(r"^# (\S+\.[ch]):(\d+):[^:\s]+:(.*)$")


def failure_reason(lines):
    """The first failed check among a case's output lines, with the message
    logged with it: 'file.c:LINE: message (Expected ...)'. The message is the
    TH_LOG() of the check (the next line, a line or two further in the
    source), else one logged just before it in the source."""
    def log_near(line, file, lo, hi):
        m = HARNESS_LOG.match(line)
        if m and m.group(1) == file and lo <= int(m.group(2)) <= hi:
            return m.group(3)
        return None

    for i, line in enumerate(lines):
        m = HARNESS_EXPECTED.match(line)
        if not m:
            continue
        file, num, expected = m.group(1), int(m.group(2)), m.group(3)
        msg = None
        if i + 1 < len(lines):
            msg = log_near(lines[i + 1], file, num, num + 2)
        if msg is None and i > 0:
            msg = log_near(lines[i - 1], file, num - 5, num - 1)
        where = f"{file}:{num}"
        return f"{where}: {msg} ({expected})" if msg else f"{where}: {expected}"
    return ""


# The kernel's KTAP parser (tools/testing/kunit/kunit_parser.py, which
# kunit.py uses), from the tree the kernels are built from: the runner
# parses KUnit's output and the kselftests' with it.
def kunit_parser():
    tree = os.environ.get("KPC_TREE") or os.path.join(OUT, "linux")
    tool = os.path.join(tree, "tools", "testing", "kunit")
    if not os.path.exists(os.path.join(tool, "kunit_parser.py")):
        tool = os.path.join(TOP, "out", "linux", "tools", "testing", "kunit")
    if not os.path.exists(os.path.join(tool, "kunit_parser.py")):
        sys.exit(f"run.py: no kunit_parser.py in {tool}: make tree first")
    if tool not in sys.path:
        sys.path.insert(0, tool)
    import kunit_parser  # pylint: disable=import-outside-toplevel
    import kunit_printer  # pylint: disable=import-outside-toplevel
    return kunit_parser, kunit_printer.Printer(print=False)


def ktap_status(test):
    """One kunit_parser Test as (status, reason); reason: a skip's or a
    failure's (the harness's report among the lines before its result)."""
    st = test.status.name
    if st == "SUCCESS":
        return ("pass", "")
    if st == "SKIPPED":
        return ("skip", test.skip_reason.strip())
    if st == "FAILURE":
        return ("fail", failure_reason(test.log))
    if st == "NO_TESTS":
        return ("fail", "no results")
    return ("fail", "no result: the stream ended before it (crash?)")


def ktap_cases(test):
    """The subtests of a kunit_parser Test: {name: (status, reason)}. A
    result that the plan promised but the stream never gave is a case of
    its own, '(missing N)', that fails."""
    cases = {}
    for num, sub in enumerate(test.subtests, 1):
        name = sub.name.strip() or f"(missing {num})"
        cases[name] = ktap_status(sub)
    return cases


def parse_ktap(text):
    """Top-level results of one KTAP document (a kselftest's output):
    {name: (status, reason)}, parsed by the kernel's kunit_parser."""
    kp, printer = kunit_parser()
    return ktap_cases(kp.parse_run_tests(text.splitlines(), printer))


def run_qemu(cmd, timeout):
    """Run QEMU until it exits, the guest says KPC-DONE, or the time is up.

    powernv's OPAL power-down does not end QEMU, so the end of /init's work
    (KPC-DONE) is taken as the end of the boot, after a short grace for the
    last kernel messages; so is a kernel panic, whose reboot powernv cannot
    do either. Returns (console text, timed_out).
    """
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    chunks = []
    done = threading.Event()

    def reader():
        for line in iter(p.stdout.readline, b""):
            chunks.append(line)
            if line.startswith((b"KPC-DONE", b"Kernel panic - not syncing")):
                done.set()
        done.set()

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    finished = done.wait(timeout)
    if finished:
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            pass
    if p.poll() is None:
        p.kill()
        p.wait()
    t.join(5)
    text = b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")
    return text, not finished


def boot(variant, sc, progs, module, timeout, logdir, append_more=(), name=None):
    """Boot VARIANT in SC with PROGS, log to LOGDIR/NAME.log (NAME: the
    scenario's) and judge it: (results, seconds, log)."""
    cmd = qemu_cmd(variant, sc, progs, module, append_more)
    log = os.path.join(logdir, f"{name or sc.name}.log")
    start = time.monotonic()
    text, timed_out = run_qemu(cmd, timeout)
    elapsed = time.monotonic() - start
    with open(log, "w", encoding="utf-8") as f:
        f.write("# " + " ".join(cmd) + "\n")
        f.write(text)
    return judge(variant, sc, progs, text, timed_out, timeout, module), elapsed, log


SAMPLE_EXIT_NO_VM = 3
MODE_NAMES = {"p9": "power9", "p10": "power10", "p11": "power11"}


def judge_sample(sc, prog, output, rc):
    """The sample (samples/kvm_compat_caps.c) against the scenario."""
    if sc.api == "none":
        if rc == SAMPLE_EXIT_NO_VM:
            return ("pass", "")
        return ("fail", f"exit {rc}, expected {SAMPLE_EXIT_NO_VM} (no VM without nesting)")
    if rc != 0:
        return ("fail", f"exit {rc}")
    if "--json" not in prog:
        return ("pass", "")
    lines = [l for l in output.splitlines() if l.startswith("{")]
    try:
        ans = json.loads(lines[-1])
    except (IndexError, ValueError) as e:
        return ("fail", f"no JSON object in the output ({e})")
    want_source = "device-tree" if sc.api == "bare" else "ioctl"
    want_modes = [MODE_NAMES[m] for m in sc.expect]
    if ans.get("source") != want_source or ans.get("modes") != want_modes:
        return ("fail", f"expected source {want_source} modes {want_modes}, got {ans}")
    return ("pass", "")


def parse_kunit(text):
    """KUnit suites in a boot log: {suite: {case: (status, reason)}}. Each
    KTAP document that starts at the beginning of a line (the boot's, and
    one per module whose init runs suites) is parsed by kunit_parser."""
    kp, printer = kunit_parser()
    lines = [unprefixed(line) for line in text.splitlines()]
    suites = {}
    for i, line in enumerate(lines):
        if not line.startswith("KTAP version "):
            continue
        for suite in kp.parse_run_tests(lines[i:], printer).subtests:
            if suite.name.strip():
                suites[suite.name.strip()] = ktap_cases(suite)
    return suites


def is_modular(variant):
    """Whether KVM-HV is a module in this variant: /init loads it."""
    try:
        with open(os.path.join(OUT, variant, ".config"), encoding="utf-8") as f:
            return re.search(r"^CONFIG_KVM_BOOK3S_64_HV=m$", f.read(), re.M) is not None
    except OSError:
        return False


def kunit_expected(variant):
    """The KUnit suites a variant's configuration runs at boot."""
    try:
        with open(os.path.join(OUT, variant, ".config"), encoding="utf-8") as f:
            config = f.read()
    except OSError:
        return []
    return [suite for opt, suite in KUNIT_SUITES
            if re.search(rf"^{opt}=y$", config, re.M)]


# Kconfig option -> KUnit suite it runs.
KUNIT_SUITES = [("CONFIG_KVM_BOOK3S_HV_COMPAT_KUNIT_TEST", "kvm_hv_compat"),
                ("CONFIG_KVM_BOOK3S_HV_NESTED_COMPAT_KUNIT_TEST", "kvm_hv_nested_compat"),
                # The kernel crate's: the versioned-struct user copies against
                # real user memory, and every example of the crate (doctests).
                ("CONFIG_RUST_UACCESS_KUNIT_TEST", "rust_kernel_uaccess"),
                ("CONFIG_RUST_KERNEL_DOCTESTS", "rust_doctests_kernel")]


def judge(variant, sc, progs, text, timed_out, timeout, module=False):
    results = []
    loaded = re.findall(r"^KPC-INSMOD-OK /lib/modules/\d+-(\S+)\.ko$", text, re.M)
    refused = re.findall(r"^KPC-INSMOD-FAILED /lib/modules/\d+-(\S+)\.ko$", text, re.M)
    # Without nesting a pseries guest cannot host KVM-HV: kvm-hv.ko's init
    # must refuse to load (ENODEV, as the built-in one fails its init), and
    # the KUnit suite it holds cannot run.
    hv_refused = sc.api == "none"
    if module:
        r = Result(variant, sc.name, "insmod")
        want = (["kvm"], ["kvm-hv"]) if hv_refused else (["kvm", "kvm-hv"], [])
        if (loaded, refused) == want and (not hv_refused or re.search(
                r"^insmod: can't insert '\S+kvm-hv.ko': No such device$", text, re.M)):
            r.cases["insmod"] = ("pass", "")
        else:
            how = " (kvm-hv: No such device)" if hv_refused else ""
            r.cases["insmod"] = ("fail", f"wanted loaded {want[0]}, refused {want[1]}{how}; "
                                 f"got loaded {loaded}, refused {refused}")
        results.append(r)
    want_suites = kunit_expected(variant)
    if want_suites:
        r = Result(variant, sc.name, "kunit")
        found = parse_kunit(text)
        for suite in want_suites:
            cases = found.get(suite)
            if not cases and module and hv_refused:
                r.cases[suite] = ("skip", "no nesting: kvm-hv.ko, which holds the suite, "
                                  "does not load")
                continue
            if not cases:
                r.cases[suite] = ("fail", "KUnit suite did not run")
                continue
            bad = [c for c, (st, _) in cases.items() if st != "pass"]
            r.cases[suite] = (("fail", "failed: " + " ".join(bad)) if bad
                              else ("pass", ""))
            r.output += f"{suite}: {len(cases) - len(bad)}/{len(cases)} passed\n"
        results.append(r)
    trouble = kernel_reports(text)
    booted = "KPC-BOOTED" in text
    for prog in progs:
        r = Result(variant, sc.name, prog)
        m = re.search(rf"^KPC-BEGIN {re.escape(prog)}\n(.*?)^KPC-END {re.escape(prog)} rc=(\d+)",
                      text, re.S | re.M)
        if timed_out and not m:
            r.cases["(boot)"] = ("fail", f"timed out after {timeout} s")
        elif not booted:
            r.cases["(boot)"] = ("fail", "guest never reached /init")
        elif not m:
            r.cases["(run)"] = ("fail", "program did not finish (crash?)")
        else:
            r.output = m.group(1)
            rc = int(m.group(2))
            if prog.startswith("kvm_compat_caps"):
                r.cases = {"sample": judge_sample(sc, prog, r.output, rc)}
            elif prog.startswith(CLIENT_PROG):
                r.cases = judge_client(sc, prog, r.output)
            else:
                r.cases = parse_ktap(r.output)
                if not r.cases:
                    r.cases["(run)"] = ("fail", f"no KTAP results, exit {rc}")
                elif rc not in (0, 4) and not any(s == "fail" for s, _ in r.cases.values()):
                    r.cases["(exit)"] = ("fail", f"exit {rc} with no failing case")
            if sc.api == "none":
                # Without nesting there is nothing to test: every case must
                # skip, and say why. A pass here would mean a VM was created.
                for name, (st, why) in list(r.cases.items()):
                    if st != "skip" and plain_prog(prog).startswith("compat_caps"):
                        r.cases[name] = ("fail", f"expected SKIP without nesting, got {st}")
        if trouble:
            r.cases["(kernel log)"] = ("fail", trouble_reason(trouble))
        results.append(r)
    # /init's last word: what comes after the programs (the kmemleak scan,
    # the power-off) must have run too. A boot that stopped short of it
    # without timing out (QEMU or the kernel died) fails on the last
    # program that started.
    if progs and booted and not timed_out and not re.search(r"^KPC-DONE$", text, re.M):
        started = [r for r in results if r.prog in progs
                   and re.search(rf"^KPC-BEGIN {re.escape(r.prog)}$", text, re.M)]
        last = (started or [r for r in results if r.prog in progs])[-1]
        last.cases["(end)"] = ("fail", "the boot ended before KPC-DONE")
    return results


def case_name(name):
    """A KTAP case name without its fixture: compat.get_caps -> get_caps,
    l2.p9.run -> p9.run."""
    return name.split(".", 1)[-1]


def load_exceptions(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            variant, scenarios, case, reason = line.split(None, 3)
            out.append((variant, scenarios, case, reason.strip()))
    return out


def apply_exceptions(results, exceptions):
    """Turn the listed differences into xfail; a listed case that passes fails."""
    for r in results:
        for name, (st, why) in list(r.cases.items()):
            short = case_name(name)
            for variant, scenarios, case, reason in exceptions:
                if (variant == r.variant and case == short
                        and fnmatch.fnmatch(r.scenario, scenarios)):
                    if st == "fail":
                        r.cases[name] = ("xfail", reason)
                    elif st == "pass":
                        r.cases[name] = ("fail", "listed difference did not occur "
                                         "(selftests/parity-exceptions): " + reason)


def write_summary(results, jobs):
    """out/logs/summary.json: per variant and scenario, what the device tree
    showed, what the ioctl answered (the sample's JSON) and which modes an L2
    vcpu ran in or was refused. The cover letter's table is made from it."""
    path = os.path.join(OUT, "logs", "summary.json")
    try:
        with open(path, encoding="utf-8") as f:
            summary = json.load(f)
    except (OSError, ValueError):
        summary = {}
    by = {(r.variant, r.scenario, r.prog): r for r in results}
    for v, sc, logdir in jobs:
        entry = {"api": sc.api, "expect": sc.expect, "machine": sc.machine,
                 "cpu": sc.cpu}
        try:
            with open(os.path.join(logdir, f"{sc.name}.log"), encoding="utf-8") as f:
                m = re.search(r"^KPC-DT cpu-version: ?(.*)$", f.read(), re.M)
                entry["dt"] = m.group(1).split() if m else None
        except OSError:
            entry["dt"] = None
        sample = by.get((v, sc.name, "kvm_compat_caps:--json"))
        if sample:
            lines = [l for l in sample.output.splitlines() if l.startswith("{")]
            try:
                entry["ioctl"] = json.loads(lines[-1]) if lines else None
            except ValueError:
                entry["ioctl"] = None
        l2 = by.get((v, sc.name, "compat_caps_l2"))
        if l2:
            ran, refused = [], []
            for n, (st, _) in l2.cases.items():
                mode = case_name(n).split(".")[0]
                if st == "pass":
                    (ran if mode in sc.expect else refused).append(mode)
            entry["l2_ran"], entry["l2_refused"] = ran, refused
        for how in ("unguided", "guided"):
            client = by.get((v, sc.name, f"{CLIENT_PROG}:{how}"))
            if client:
                m = re.search(r"^KPC-CLIENT end=(\S+)", client.output, re.M)
                cpu = re.search(r"^KPC-L2 cpu: ([^,]*)", client.output, re.M)
                cas = re.search(rf"^{re.escape(L2_PREFIX)}spapr_cas_pvr .*new=(0x[0-9a-f]+)",
                                client.output, re.M)
                entry[f"l2_{how}"] = (
                    "no VM" if sc.api == "none" else
                    cpu.group(1) if cpu else
                    f"KVM_RUN refused after CAS asked {cas.group(1)}"
                    if cas and m and m.group(1) == "kvm-run-failed" else
                    "KVM_RUN refused at once" if m and m.group(1) == "kvm-run-failed" else
                    "QEMU refused (DAWR1)" if "DAWR1 not supported" in client.output else
                    (m.group(1) if m else "no result"))
        entry["failed"] = sum(1 for r in results if r.variant == v and r.scenario == sc.name
                              for st, _ in r.cases.values() if st == "fail")
        entry["failed_cases"] = sorted({case_name(n) for r in results
                                        if r.variant == v and r.scenario == sc.name
                                        for n, (st, _) in r.cases.items() if st == "fail"})
        summary.setdefault(v, {})[sc.name] = entry
    with open(path, "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=1, sort_keys=True)


def print_parity(results, variants):
    """Scenario x case: do the variants agree? Listed differences are named."""
    if len(variants) < 2:
        return
    cells, names = {}, []
    for r in results:
        for n, (st, _) in r.cases.items():
            col = case_name(n)
            if col not in names:
                names.append(col)
            cells.setdefault((row_name(r), col), {})[r.variant] = st
    scenarios = list(dict.fromkeys(row_name(r) for r in results))
    booted = {(row_name(r), r.variant) for r in results}
    print("parity (" + " vs ".join(variants) + "): '=' same result, "
          "'x' listed difference, '!' unlisted difference, "
          "'-' not on every variant")
    head = ["scenario"] + names
    rows = []
    for sc in scenarios:
        row = [sc]
        for n in names:
            got = cells.get((sc, n), {})
            ran = [v for v in variants if (sc, v) in booted]
            vals = {got.get(v) for v in ran}
            if None in vals:
                row.append("-")	# not run on every variant (KUnit)
            elif len(vals) == 1:
                row.append("=")
            elif any(got.get(v) == "xfail" for v in ran):
                row.append("x")
            else:
                row.append("!")
        rows.append(row)
    widths = [max(len(x) for x in col) for col in zip(head, *rows)]
    for line in [head] + rows:
        print("  ".join(x.ljust(w) for x, w in zip(line, widths)).rstrip())
    print()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variants", default="c")
    ap.add_argument("--scenarios", default="all",
                    help="comma list of names, 'all' or 'default'")
    ap.add_argument("--run", default="compat_caps",
                    help="programs in the guest's /tests, comma list")
    ap.add_argument("--module", action="store_true", help="insmod the kvm modules")
    ap.add_argument("--timeout", type=int, default=300, help="seconds per boot")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--show", action="store_true", help="print each program's output")
    ap.add_argument("--report", action="store_true",
                    help="a report, not a verdict: exit 0 whatever failed "
                    "(make released: Linux 7.3 as released)")
    ap.add_argument("--no-env", default=",".join(NO_ENV_SCENARIOS),
                    help="scenarios in which the kselftests run a second time without "
                    "the KVM_PPC_* variables, comma list ('' for none)")
    ap.add_argument("--client", action="store_true",
                    help="also run the real client (QEMU in the guest, booting an L2: "
                    f"{','.join(CLIENT_RUNS)}) in the variants whose initramfs carries it")
    args = ap.parse_args()

    scenarios = load_scenarios(os.path.join(TOP, "selftests", "scenarios"))
    if args.scenarios == "default":
        scenarios = [s for s in scenarios if s.default]
    elif args.scenarios != "all":
        want = args.scenarios.split(",")
        unknown = set(want) - {s.name for s in scenarios}
        if unknown:
            sys.exit(f"run.py: unknown scenario(s): {', '.join(sorted(unknown))}")
        scenarios = [s for s in scenarios if s.name in want]
    progs = args.run.split(",")
    no_env = [n for n in args.no_env.split(",") if n]

    # VARIANT or VARIANT@SCENARIO+SCENARIO: a variant run in some scenarios only.
    variants, jobs = [], []
    for spec in args.variants.split(","):
        v, _, only = spec.partition("@")
        variants.append(v)
        for f in ("vmlinux", "initramfs.cpio.gz"):
            if not os.path.exists(os.path.join(OUT, v, f)):
                sys.exit(f"run.py: out/{v}/{f} missing: build the variant first")
        logdir = os.path.join(OUT, "logs", v)
        os.makedirs(logdir, exist_ok=True)
        mine = [s for s in scenarios if not only or s.name in only.split("+")]
        if only and len(mine) != len(only.split("+")):
            sys.exit(f"run.py: unknown scenario in {spec}")
        mine_progs = [p for p in progs if p not in RUN_LAST]
        if args.client and os.path.exists(os.path.join(OUT, v, "initramfs.client")):
            mine_progs += CLIENT_RUNS
        mine_progs += [p for p in progs if p in RUN_LAST]
        jobs += [(v, s, logdir, with_no_env(mine_progs, s.name, no_env)) for s in mine]

    exceptions = load_exceptions(os.path.join(TOP, "selftests", "parity-exceptions"))
    results = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as ex:
        futs = {ex.submit(boot, v, s, p, args.module or is_modular(v), args.timeout, d): (v, s)
                for v, s, d, p in jobs}
        for fut in concurrent.futures.as_completed(futs):
            rs, elapsed, log = fut.result()
            v, s = futs[fut]
            apply_exceptions(rs, exceptions)
            bad = sum(1 for r in rs for st, _ in r.cases.values() if st == "fail")
            print(f"[run] {v:8} {s.name:12} {elapsed:6.1f} s  "
                  f"{'FAIL' if bad else 'ok':4}  {os.path.relpath(log, TOP)}", flush=True)
            results += rs

    order = {(v, s.name): i for i, (v, s, _, _) in enumerate(jobs)}
    every = ["insmod", "kunit"] + progs + [NO_ENV + p for p in progs] + CLIENT_RUNS
    rank = {p: i for i, p in enumerate(every)}
    results.sort(key=lambda r: (order[(r.variant, r.scenario)], rank[r.prog]))
    if args.show:
        for r in results:
            print(f"\n--- {r.variant} / {r.scenario} / {r.prog} ---")
            print(r.output.rstrip())
    print_table(results)
    print_parity(results, variants)
    print_faults(results)
    write_summary(results, [(v, s, d) for v, s, d, _ in jobs])

    counts = {"pass": 0, "fail": 0, "skip": 0, "xfail": 0}
    for r in results:
        for st, _ in r.cases.values():
            counts[st] += 1
    if counts["xfail"]:
        print(f"{counts['xfail']} listed differences (selftests/parity-exceptions) "
              "counted as passed")
    print(f"{counts['pass'] + counts['xfail']} passed, {counts['fail']} failed, "
          f"{counts['skip']} skipped")
    if args.report:
        print("(a report, not a verdict: the failures above are not counted)")
        return 0 if results else 1
    return 1 if counts["fail"] or not results else 0


# compat_caps_fuzz's injected user-copy faults: "N calls, N faults
# injected, N answers checked" of each of its two fault tests.
FAULT_FIGURES = re.compile(r"^# compat_caps_fuzz\.c:\d+:(usercopy_faults\w*):(\d+) calls, "
                           r"(\d+) faults injected, (\d+) answers checked", re.M)


def print_faults(results):
    """The figures of the injected user-copy faults, per boot: calls made,
    faults injected into them, answers checked."""
    rows = []
    for r in results:
        if plain_prog(r.prog) != "compat_caps_fuzz":
            continue
        got = {m.group(1): m.groups()[1:] for m in FAULT_FIGURES.finditer(r.output)}
        if got:
            rows.append((r.variant, row_name(r), got))
    if not rows:
        return
    tests = ["usercopy_faults", "usercopy_faults_arch_compat"]
    print("injected user-copy faults (compat_caps_fuzz): calls / faults injected / "
          "answers checked")
    head = ["variant", "scenario", "GET_COMPAT_CAPS", "SET_ONE_REG(ARCH_COMPAT)"]
    table = [[v, s] + ["/".join(got[t]) if t in got else "-" for t in tests]
             for v, s, got in rows]
    widths = [max(len(x) for x in col) for col in zip(head, *table)]
    for line in [head] + table:
        print("  ".join(x.ljust(w) for x, w in zip(line, widths)).rstrip())
    print()


def print_table(results):
    """One row per variant x scenario, one column per case of every program."""
    rows, names = {}, []
    for r in results:
        row = rows.setdefault((r.variant, row_name(r)), {})
        for n, v in r.cases.items():
            col = case_name(n)
            if col not in names:
                names.append(col)
            row[col] = v
    sym = {"pass": "pass", "fail": "FAIL", "skip": "skip", "xfail": "xfail"}
    head = ["variant", "scenario"] + names
    table = [[v, s] + [sym[row[n][0]] if n in row else "" for n in names]
             for (v, s), row in rows.items()]
    widths = [max(len(x) for x in col) for col in zip(head, *table)]
    print()
    for line in [head] + table:
        print("  ".join(x.ljust(w) for x, w in zip(line, widths)).rstrip())
    print()
    # Why anything did not pass: each distinct reason once, with the cases
    # and the boots it stands for.
    seen = {}
    for (v, s), row in rows.items():
        for n, (st, why) in row.items():
            if st not in ("pass", "xfail"):
                cases, where = seen.setdefault((st, why), ([], []))
                if n not in cases:
                    cases.append(n)
                if f"{v}/{s}" not in where:
                    where.append(f"{v}/{s}")
    for (st, why), (cases, where) in sorted(seen.items(), key=lambda kv: kv[0][0] != "fail"):
        print(f"{st.upper() if st == 'fail' else st}: {why or '(no reason given)'}")
        print(f"    cases: {' '.join(cases)}")
        print(f"    in:    {' '.join(where)}")
    if seen:
        print()


if __name__ == "__main__":
    sys.exit(main())
