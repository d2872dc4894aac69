# SPDX-License-Identifier: GPL-2.0
"""The runner's verdicts on the real client (scripts/run.py judge_client),
fed with recorded output of real boots (scripts/tests/client/*.log: the
block between KPC-BEGIN and KPC-END of one qemu_l2 run) and a few made-up
ones. Each recorded run must pass in the scenario it came from and fail in
a scenario that expects something else. Run by make hosttest."""

import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import run  # noqa: E402

SCENARIOS = {s.name: s for s in run.load_scenarios(
    os.path.join(os.path.dirname(os.path.dirname(HERE)), "selftests", "scenarios"))}


def recorded(name):
    """The output of one recorded run, without its KPC-BEGIN/END lines."""
    with open(os.path.join(HERE, "client", name), encoding="utf-8") as f:
        lines = f.read().splitlines()
    assert lines[0].startswith("KPC-BEGIN qemu_l2:") and lines[-1].startswith("KPC-END")
    return "\n".join(lines[1:-1]) + "\n"


def verdict(scenario, how, output):
    (status, why), = run.judge_client(SCENARIOS[scenario], f"qemu_l2:{how}", output).values()
    return status, why


class RecordedRuns(unittest.TestCase):
    # file, how, scenario where it must pass, scenarios where it must fail
    CASES = [
        ("guided-p10.log", "guided", "v2-p11-c10-g10", ["v2-p11", "v2-p10-g9"]),
        ("native-p11.log", "unguided", "v2-p11", ["v2-p11-c10", "v1-p10"]),
        ("refused-at-once.log", "unguided", "v2-p11-c10", ["v2-p11", "v2-p10-c9"]),
        ("qemu-dawr1.log", "unguided", "v2-p10-c9", ["v2-p10", "v2-p11-c10"]),
        # Linux 7.3 as released: wrong everywhere
        ("refused-after-cas.log", "unguided", None, ["v2-p11-c10", "v2-p11"]),
        ("raw-p10.log", "unguided", None, ["v2-p10-g9", "v2-p10"]),
    ]

    def test_recorded(self):
        for name, how, good, bad in self.CASES:
            out = recorded(name)
            if good:
                self.assertEqual(verdict(good, how, out), ("pass", ""), f"{name} in {good}")
            for sc in bad:
                status, why = verdict(sc, how, out)
                self.assertEqual(status, "fail", f"{name} in {sc}: {why}")
                self.assertTrue(why, f"{name} in {sc}: a failure without a reason")


class MadeUpRuns(unittest.TestCase):
    def test_hung_l2(self):
        out = recorded("guided-p10.log").replace("end=exited", "end=timeout")
        status, why = verdict("v2-p11-c10-g10", "guided", out)
        self.assertEqual(status, "fail")
        self.assertIn("hung", why)

    def test_no_end_line(self):
        out = "".join(l + "\n" for l in recorded("guided-p10.log").splitlines()
                      if not l.startswith("KPC-CLIENT end="))
        self.assertEqual(verdict("v2-p11-c10-g10", "guided", out),
                         ("fail", "the client did not finish"))

    def test_wrong_cpu_version(self):
        out = recorded("guided-p10.log").replace("cpu-version: 0x0f000006",
                                                 "cpu-version: 0x0f000005")
        self.assertEqual(verdict("v2-p11-c10-g10", "guided", out)[0], "fail")

    def test_l2_kernel_warning(self):
        out = recorded("guided-p10.log").replace(
            "l2| KPC-L2 done", "l2| WARNING: CPU: 0 PID: 1 at foo.c:1 bar\nl2| KPC-L2 done")
        status, why = verdict("v2-p11-c10-g10", "guided", out)
        self.assertEqual(status, "fail")
        self.assertIn("L2 kernel", why)

    def test_l2_lines_are_not_the_l1_kernel(self):
        text = "l2| WARNING: CPU: 0 PID: 1 at foo.c:1 bar\n"
        self.assertEqual(run.kernel_trouble(text), [])
        self.assertEqual(run.kernel_trouble(text, l2=True),
                         ["WARNING: CPU: 0 PID: 1 at foo.c:1 bar"])

    def test_no_nesting_skips(self):
        out = "KPC-CLIENT machine=pseries\nKPC-CLIENT end=exited seconds=0\n"
        self.assertEqual(verdict("none-p10", "unguided", out)[0], "skip")
        ran = recorded("guided-p10.log")
        self.assertEqual(verdict("none-p10", "guided", ran)[0], "fail")


if __name__ == "__main__":
    unittest.main()
