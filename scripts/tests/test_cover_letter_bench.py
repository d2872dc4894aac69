# SPDX-License-Identifier: GPL-2.0
"""The cover letter's cost tables, taken from make bench's saved output."""

import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import cover_letter  # noqa: E402

# What bench.py prints, cut to a few lines of each part.
SAVED = """[bench] boot 1/3 c    : check_extension 1065 instructions
[bench] boot 1/3 rust : check_extension 1081 instructions

instructions per call, scenario v2-p10, 3 boots per variant

| operation | c | rust | rust/c | rust/c above the floor |
|---|---:|---:|---:|---:|
| GET_COMPAT_CAPS size 24 | 2273 | 2343 | 1.031 | 1.045 |

the boots' counts agree exactly

secondary: median ns per call (TCG guest; only the ratio means anything)

call                      c     rust     rust/c
get_compat_caps        5502     7022      1.276

bytes of the objects holding the feature (text, data)

| object | c text | rust text | c data | rust data |
| total | 91773 | 95105 | 3987 | 4491 |

the feature in rust against c: text +3332 bytes, data +504 bytes

rust book3s_hv_compat.o text by kind of symbol:
    2900  the rest (decisions, exports, cache)
"""


class BenchTables(unittest.TestCase):
    def test_the_tables_and_nothing_else(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "bench.txt")
            with open(path, "w", encoding="utf-8") as f:
                f.write(SAVED)
            got = cover_letter.bench(path)
        self.assertIn("| GET_COMPAT_CAPS size 24 | 2273 | 2343 | 1.031 | 1.045 |", got)
        self.assertIn("the boots' counts agree exactly", got)
        self.assertIn("| total | 91773 | 95105 | 3987 | 4491 |", got)
        self.assertIn("text +3332 bytes, data +504 bytes", got)
        # Not the progress lines, the timings or the breakdown.
        for absent in ("[bench]", "secondary", "5502", "by kind of symbol", "2900"):
            self.assertNotIn(absent, got)
        self.assertNotIn("\n\n\n", got)

    def test_no_saved_output_says_so(self):
        got = cover_letter.bench("/nonexistent/bench.txt")
        self.assertIn("make bench has not been run", got)


if __name__ == "__main__":
    unittest.main()
