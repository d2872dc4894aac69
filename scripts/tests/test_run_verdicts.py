# SPDX-License-Identifier: GPL-2.0
"""The runner's verdicts on whole boots (scripts/run.py judge and
apply_exceptions), fed with recorded logs of real boots
(scripts/tests/boots/*.log.gz; see the README there) and with cuts and
edits of them. Run by make hosttest; the KTAP parser is the kernel tree's
(make tree first)."""

import contextlib
import gzip
import io
import os
import re
import sys
import unittest
from unittest import mock

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import run  # noqa: E402

SCENARIOS = {s.name: s for s in run.load_scenarios(
    os.path.join(os.path.dirname(os.path.dirname(HERE)), "selftests", "scenarios"))}

# The KUnit suites each recorded variant's configuration ran at boot.
SUITES = {"c": ["kvm_hv_nested_compat"],
          "debug": ["kvm_hv_compat", "rust_kernel_uaccess", "rust_doctests_kernel"]}


def recorded(name):
    with gzip.open(os.path.join(HERE, "boots", name + ".log.gz"), "rt",
                   encoding="utf-8") as f:
        return f.read()


def progs_of(text):
    """The programs /init started, as the runner asked for them."""
    return re.findall(r"^KPC-BEGIN (\S+)$", text, re.M)


def judge(text, variant, scenario, progs=None, timed_out=False, module=False):
    """{prog: {case: (status, reason)}} of one boot."""
    with mock.patch.object(run, "kunit_expected", return_value=SUITES.get(variant, [])):
        results = run.judge(variant, SCENARIOS[scenario], progs or progs_of(text), text,
                            timed_out, 300, module)
    return {r.prog: r.cases for r in results}


def failures(verdicts):
    return {(prog, case): why for prog, cases in verdicts.items()
            for case, (st, why) in cases.items() if st == "fail"}


def cut_block(text, prog, keep):
    """TEXT with PROG's output cut to the lines KEEP(lines) returns."""
    m = re.search(rf"^KPC-BEGIN {re.escape(prog)}\n(.*?)(?=^KPC-END {re.escape(prog)} )",
                  text, re.S | re.M)
    lines = m.group(1).splitlines(keepends=True)
    return text[:m.start(1)] + "".join(keep(lines)) + text[m.end(1):]


class CleanBoot(unittest.TestCase):
    """c in v2-p10: KUnit, the real client, the uaccess reproducer."""

    def setUp(self):
        self.text = recorded("clean-c-v2-p10")

    def test_everything_passes(self):
        v = judge(self.text, "c", "v2-p10")
        self.assertEqual(failures(v), {})
        self.assertEqual(set(v), {"kunit", "qemu_l2:unguided", "qemu_l2:guided",
                                  "uaccess_kernel_ptr"})
        # Every result line of the reproducer is a case, each passed.
        oks = re.findall(r"^ok \d+ (global\.\S+)$", self.text, re.M)
        self.assertEqual(len(oks), 15)
        self.assertEqual({c: st for c, (st, _) in v["uaccess_kernel_ptr"].items()},
                         {c: "pass" for c in oks})
        self.assertEqual(v["kunit"], {"kvm_hv_nested_compat": ("pass", "")})

    def test_a_failed_case_fails_with_the_harness_report(self):
        text = self.text.replace(
            "ok 2 global.copy_from_user_setrlimit",
            "# uaccess_kernel_ptr.c:240:copy_from_user_setrlimit:Expected 0 (0) == bad (1)\n"
            "not ok 2 global.copy_from_user_setrlimit")
        f = failures(judge(text, "c", "v2-p10"))
        self.assertEqual(f, {("uaccess_kernel_ptr", "global.copy_from_user_setrlimit"):
                             "uaccess_kernel_ptr.c:240: Expected 0 (0) == bad (1)"})

    def test_truncated_ktap_fails_the_missing_results(self):
        # The plan says 1..15; the stream stops after result 10 (the
        # program still ended, rc=0).
        def keep(lines):
            end = next(i for i, l in enumerate(lines) if l.startswith("ok 10 "))
            return lines[:end + 1]
        f = failures(judge(cut_block(self.text, "uaccess_kernel_ptr", keep), "c", "v2-p10"))
        self.assertEqual(sorted(f), [("uaccess_kernel_ptr", f"(missing {n})")
                                     for n in range(11, 16)])

    def test_a_case_that_printed_no_result(self):
        # Case 3 started and never said how it ended; the harness went on.
        text = re.sub(r"^ok 3 global\.copy_from_user_sched_setaffinity\n", "", self.text,
                      flags=re.M)
        f = failures(judge(text, "c", "v2-p10"))
        self.assertIn(("uaccess_kernel_ptr", "(missing 15)"), f)
        self.assertTrue(all(p == "uaccess_kernel_ptr" for p, _ in f))

    def test_a_program_with_no_ktap_at_all(self):
        text = cut_block(self.text, "uaccess_kernel_ptr", lambda _: ["Segmentation fault\n"])
        text = text.replace("KPC-END uaccess_kernel_ptr rc=0", "KPC-END uaccess_kernel_ptr rc=139")
        f = failures(judge(text, "c", "v2-p10"))
        self.assertEqual(f, {("uaccess_kernel_ptr", "(run)"): "no KTAP results, exit 139"})

    def test_a_nonzero_exit_with_every_case_passed(self):
        text = self.text.replace("KPC-END uaccess_kernel_ptr rc=0",
                                 "KPC-END uaccess_kernel_ptr rc=1")
        f = failures(judge(text, "c", "v2-p10"))
        self.assertEqual(list(f), [("uaccess_kernel_ptr", "(exit)")])

    def test_a_program_that_never_ended(self):
        # The guest stopped in the middle of a program (QEMU killed, say),
        # before the time was up.
        text = self.text[:self.text.index("ok 5 global.copy_to_user_getrlimit")]
        f = failures(judge(text, "c", "v2-p10"))
        self.assertEqual(set(f), {("uaccess_kernel_ptr", "(run)"),
                                  ("uaccess_kernel_ptr", "(end)")})

    def test_a_boot_that_ended_before_kpc_done(self):
        # Every program ended; what /init does after them did not.
        text = re.sub(r"^KPC-DONE$", "", self.text, flags=re.M)
        f = failures(judge(text, "c", "v2-p10"))
        self.assertEqual(f, {("uaccess_kernel_ptr", "(end)"): "the boot ended before KPC-DONE"})

    def test_a_guest_that_never_reached_init(self):
        text = self.text[:self.text.index("KPC-BOOTED")]
        f = failures(judge(text, "c", "v2-p10", progs=progs_of(self.text)))
        self.assertEqual({case for _, case in f}, {"(boot)"})

    def test_a_kunit_suite_cut_short(self):
        # The suite's plan says 1..N; its last case's result is gone.
        lines = self.text.splitlines(keepends=True)
        start = next(i for i, l in enumerate(lines) if "# Subtest: kvm_hv_nested_compat" in l)
        end = next(i for i in range(start, len(lines)) if lines[i].startswith("ok 1 "))
        last = max(i for i in range(start, end) if re.match(r"\s+ok \d+ ", lines[i]))
        text = "".join(lines[:last] + lines[last + 1:])
        v = judge(text, "c", "v2-p10")
        st, why = v["kunit"]["kvm_hv_nested_compat"]
        self.assertEqual(st, "fail")
        self.assertIn("(missing", why)

    def test_a_kunit_suite_that_did_not_run(self):
        text = self.text.replace("# Subtest: kvm_hv_nested_compat", "# Subtest: other")
        v = judge(text, "c", "v2-p10")
        self.assertEqual(v["kunit"]["kvm_hv_nested_compat"], ("fail", "KUnit suite did not run"))


class PrintkPrefix(unittest.TestCase):
    """The same boot from a kernel with PRINTK_TIME and PRINTK_CALLER, as
    distributions' configs have (the rust-64k variant, from
    ppc64le_guest_defconfig): each kernel message starts with
    "[    6.253947][    T1] "."""

    def setUp(self):
        text = recorded("clean-c-v2-p10")
        head, sep, rest = text.partition("KPC-BOOTED")
        self.text = "".join(f"[{n / 1000:12.6f}][    T1] {line}"
                            for n, line in enumerate(head.splitlines(keepends=True))) + sep + rest
        self.assertIn("][    T1] KTAP version 1", self.text)

    def test_verdicts_are_the_unprefixed_ones(self):
        want = judge(recorded("clean-c-v2-p10"), "c", "v2-p10")
        self.assertEqual(judge(self.text, "c", "v2-p10"), want)
        self.assertEqual(failures(want), {})

    def test_a_report_behind_the_prefix_is_still_seen(self):
        text = self.text.replace("KPC-BOOTED", "[    9.000000][    T1] WARNING: CPU: 0 PID: 1 "
                                 "at arch/powerpc/kvm/book3s_hv.c:1\nKPC-BOOTED", 1)
        self.assertTrue(any(case == "(kernel log)" for _, case in
                            failures(judge(text, "c", "v2-p10"))))


class Timeout(unittest.TestCase):
    """Linux 7.3.4 as released on bare-p10 (make released): the uaccess
    reproducer's masked getdents64 wrote into the kernel, which hung; the
    runner gave up after 300 s."""

    def test_timed_out(self):
        text = recorded("timeout-released-bare-p10")
        v = judge(text, "c", "bare-p10", timed_out=True)
        self.assertEqual(v["uaccess_kernel_ptr"]["(boot)"], ("fail", "timed out after 300 s"))
        # What ran to its end before the hang is judged as usual.
        self.assertEqual(v["compat_caps"].get("compat.get_caps", ("?",))[0], "pass")
        self.assertNotIn("(end)", v["uaccess_kernel_ptr"])


class MustSkip(unittest.TestCase):
    """c in none-p10: no nesting, every case of the kselftests must skip."""

    def setUp(self):
        self.text = recorded("skip-c-none-p10")

    def test_skips_are_skips(self):
        v = judge(self.text, "c", "none-p10")
        self.assertEqual(failures(v), {})
        ktap = [c for prog, cases in v.items() if not prog.startswith(run.CLIENT_PROG)
                for c, (st, why) in cases.items() if st == "skip" and why]
        self.assertEqual(len(ktap), len(re.findall(r"^ok \d+ \S+ # SKIP .", self.text, re.M)))
        self.assertEqual(v["qemu_l2:guided"]["qemu_l2.guided"][0], "skip")

    def test_a_pass_where_the_scenario_must_skip(self):
        m = re.search(r"^ok (\d+) (compat\.\S+) # SKIP .*$", self.text, re.M)
        text = self.text.replace(m.group(0), f"ok {m.group(1)} {m.group(2)}")
        f = failures(judge(text, "c", "none-p10"))
        self.assertEqual(f, {("compat_caps", m.group(2)): "expected SKIP without nesting, got pass"})


def add_no_env_run(text, prog, edit=lambda block: block):
    """TEXT with a second run of PROG, without the environment, right
    after the first: its output as EDIT(the first's) gives it."""
    m = re.search(rf"^KPC-BEGIN {re.escape(prog)}\n(.*?)^KPC-END {re.escape(prog)} (rc=\d+\n)",
                  text, re.S | re.M)
    again = (f"KPC-BEGIN {run.NO_ENV}{prog}\n{edit(m.group(1))}"
             f"KPC-END {run.NO_ENV}{prog} {m.group(2)}")
    return text[:m.end()] + again + text[m.end():]


class NoEnvRuns(unittest.TestCase):
    """The kselftests a second time without the KVM_PPC_* variables."""

    CHECK_PROGS = ["compat_caps", "compat_caps_l2", "compat_caps_fuzz", "compat_caps_threads",
                   "kvm_compat_caps:--json", "qemu_l2:unguided", "qemu_l2:guided",
                   "uaccess_kernel_ptr"]

    def test_which_programs_and_where(self):
        progs = run.with_no_env(self.CHECK_PROGS, "v1-p10", run.NO_ENV_SCENARIOS)
        self.assertEqual(progs[:8], self.CHECK_PROGS[:4] + [
            "noenv/compat_caps", "noenv/compat_caps_l2", "noenv/compat_caps_fuzz",
            "noenv/compat_caps_threads"])
        self.assertEqual(progs[8:], self.CHECK_PROGS[4:])
        self.assertEqual(run.with_no_env(self.CHECK_PROGS, "v2-p10", run.NO_ENV_SCENARIOS),
                         self.CHECK_PROGS)
        self.assertEqual(run.with_no_env(["uaccess_kernel_ptr"], "v1-p10", run.NO_ENV_SCENARIOS),
                         ["uaccess_kernel_ptr"])
        for sc in ("v2-p11-c10", "v1-p10", "bare-p10"):
            self.assertIn(sc, run.NO_ENV_SCENARIOS)
            self.assertIn(sc, SCENARIOS)

    def test_judged_and_shown_as_rows_of_their_own(self):
        text = add_no_env_run(recorded("skip-c-none-p10"), "compat_caps")
        v = judge(text, "c", "none-p10")
        self.assertEqual(failures(v), {})
        self.assertEqual(v["noenv/compat_caps"], v["compat_caps"])
        self.assertTrue(v["compat_caps"])
        results = [r for r in run.judge("c", SCENARIOS["none-p10"], progs_of(text), text,
                                        False, 300) if r.prog.endswith("compat_caps")]
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            run.print_table(results)
        rows = [l.split()[:3] for l in out.getvalue().splitlines() if l.startswith("c ")]
        self.assertEqual(rows, [["c", "none-p10", "skip"], ["c", "none-p10", "(no"]])
        self.assertIn("c/none-p10 (no env)", out.getvalue())

    def test_a_pass_without_nesting_fails_there_too(self):
        def passed(block):
            return re.sub(r"^ok (\d+) (compat\.check_extension) # SKIP .*$", r"ok \1 \2",
                          block, flags=re.M)
        text = add_no_env_run(recorded("skip-c-none-p10"), "compat_caps", passed)
        f = failures(judge(text, "c", "none-p10"))
        self.assertEqual(f, {("noenv/compat_caps", "compat.check_extension"):
                             "expected SKIP without nesting, got pass"})

    def test_a_failure_without_the_environment_is_a_failure(self):
        def failed(block):
            return block.replace(
                "ok 2 compat.get_caps\n",
                "# compat_caps.c:170:get_caps:Expected 0ULL (0) == x (1)\n"
                "not ok 2 compat.get_caps\n")
        text = add_no_env_run(recorded("timeout-released-bare-p10"), "compat_caps", failed)
        v = judge(text, "c", "bare-p10", timed_out=True)
        self.assertEqual(v["noenv/compat_caps"]["compat.get_caps"],
                         ("fail", "compat_caps.c:170: Expected 0ULL (0) == x (1)"))
        self.assertEqual(v["compat_caps"]["compat.get_caps"][0], "pass")


class KernelReports(unittest.TestCase):
    def test_expected_line_is_let_through(self):
        text = "WARNING: nvram corruption detected: 0-length partition\n"
        self.assertEqual(run.kernel_reports(text), [])

    def test_a_stack_dump_on_its_own(self):
        text = "CPU: 0 UID: 0 PID: 1 Comm: init\nCall Trace:\n[c000] 0xc000 (unreliable)\n"
        self.assertEqual([k for k, _ in run.kernel_reports(text)], ["stack dump"])

    def test_a_kernel_report_fails_every_program_of_the_boot(self):
        text = recorded("clean-c-v2-p10").replace(
            "KPC-BEGIN uaccess_kernel_ptr",
            "UBSAN: shift-out-of-bounds in foo.c:1:2\nKPC-BEGIN uaccess_kernel_ptr")
        f = failures(judge(text, "c", "v2-p10"))
        self.assertEqual({c for _, c in f}, {"(kernel log)"})
        self.assertTrue(all(why.startswith("[UBSAN] ") for why in f.values()))


class Splats(unittest.TestCase):
    """make prove-checkers' boots: the debug variant in v2-p10 with one bug
    planted (kpc_prove=KIND) at the first KVM_PPC_GET_COMPAT_CAPS."""

    # kpc_prove=KIND, the kind the runner must name the boot's first report
    # (None: the boot passes), and the programs that fail on it.
    CASES = [
        ("warning", "WARNING"),
        ("bug", "BUG"),
        ("oops", "Oops"),
        ("ubsan", "UBSAN"),
        ("lockdep", "lockdep"),
        ("atomic-sleep", "sleeping-while-atomic"),
        ("kmemleak", "kmemleak"),
        ("fault-injection", None),
        ("none", None),
    ]

    def test_each_planted_bug_is_named(self):
        for planted, kind in self.CASES:
            with self.subTest(planted=planted):
                text = recorded(f"prove-{planted}")
                self.assertIn(f"kpc_prove={planted}", text.splitlines()[0])
                v = judge(text, "debug", "v2-p10", module=True)
                f = failures(v)
                if kind is None:
                    self.assertEqual(f, {})
                    self.assertEqual(set(v), {"insmod", "kunit", "compat_caps"})
                    continue
                why = f[("compat_caps", "(kernel log)")]
                self.assertTrue(why.startswith(f"[{kind}] "), why)

    def test_fault_injection_report_is_in_the_log(self):
        # Its stack dump is let through, not merely absent.
        text = recorded("prove-fault-injection")
        self.assertRegex(text, r"FAULT_INJECTION: forcing a failure\.\n(.*\n){0,12}Call Trace:")
        self.assertEqual(run.kernel_reports(text), [])

    def test_a_planted_bug_in_a_boot_that_must_pass(self):
        # The same report after KPC-DONE (kmemleak's scan comes late) fails
        # all the same.
        text = recorded("prove-none").replace(
            "KPC-DONE", "unreferenced object 0xc000000003968e00 (size 512):\nKPC-DONE")
        f = failures(judge(text, "debug", "v2-p10", module=True))
        self.assertTrue(f[("compat_caps", "(kernel log)")].startswith("[kmemleak] "))


class ListedDifferences(unittest.TestCase):
    def results(self, status):
        r = run.Result("rust", "v2-p10", "compat_caps")
        r.cases = {"compat.get_caps": (status, "")}
        return [r]

    def test_a_listed_difference_that_occurred(self):
        rs = self.results("fail")
        run.apply_exceptions(rs, [("rust", "v2-*", "get_caps", "why")])
        self.assertEqual(rs[0].cases["compat.get_caps"], ("xfail", "why"))

    def test_a_listed_difference_that_did_not_occur(self):
        rs = self.results("pass")
        run.apply_exceptions(rs, [("rust", "v2-*", "get_caps", "why")])
        st, why = rs[0].cases["compat.get_caps"]
        self.assertEqual(st, "fail")
        self.assertIn("listed difference did not occur", why)

    def test_another_variant_or_scenario_is_not_touched(self):
        rs = self.results("fail")
        run.apply_exceptions(rs, [("c", "v2-*", "get_caps", "why"),
                                  ("rust", "v1-*", "get_caps", "why")])
        self.assertEqual(rs[0].cases["compat.get_caps"][0], "fail")


if __name__ == "__main__":
    unittest.main()
