#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Fill in the cover letter that git format-patch wrote.

cover_letter.py TEMPLATE SUMMARY_JSON COVER_PATCH: the template's first line
becomes the subject, the rest the body, with @BENCH@ replaced by the
tables of make bench's saved output (out/logs/bench.txt), and @TABLE@
replaced (unless SUMMARY_JSON is -) by a table made
from out/logs/summary.json (written by run.py): per scenario, what the device
tree showed, what KVM_PPC_GET_COMPAT_CAPS answered, in which modes an L2
vcpu really ran, what an unmodified QEMU in the L1 booted (as it picks the
mode, and guided by the ioctl's answer), for the Rust kernel, whether the C
kernel agreed, and (after make released) what Linux 7.3 as released did
with QEMU -cpu host.
"""

import json
import os
import re
import sys

NAMES = {"p9": "P9", "p10": "P10", "p11": "P11",
         "power9": "P9", "power10": "P10", "power11": "P11"}
DT = {"0x0f000005": "P9 mode", "0x0f000006": "P10 mode", "0x0f000007": "P11 mode"}


def short(outcome):
    """An L2's outcome as the real client saw it, in a table cell."""
    return (outcome.replace(" (architected)", " arch.").replace(" (raw)", " raw")
            .replace("KVM_RUN refused at once", "EINVAL, 1st KVM_RUN")
            .replace("KVM_RUN refused after CAS asked 0xf000007", "EINVAL after CAS P11")
            .replace("KVM_RUN refused after CAS asked", "EINVAL after CAS"))


def modes(lst):
    return ",".join(NAMES.get(m, m) for m in lst) if lst else "-"


def table(summary, released):
    rust, c = summary.get("rust", {}), summary.get("c", {})
    old = released.get("c", {})
    if not rust:
        sys.exit("cover_letter.py: no rust results in the summary: run make check")
    head = ["scenario", "L0 (QEMU)", "cpu-version", "ioctl", "L2 ran",
            "QEMU -cpu host", "QEMU guided", "C agrees"]
    if old:
        head += ["7.3: -cpu host", "7.3: other cases that fail"]
    rows = []
    for name, e in rust.items():
        machine = e["machine"].replace("pseries,", "").replace("cap-nested-", "")
        machine = machine.replace("max-cpu-compat=", "compat=").replace("=on", "")
        machine = machine.replace("x-nested-papr-grant=", "grant=")
        dt = e.get("dt") or []
        dtv = ",".join(sorted({DT.get(x, x) for x in dt})) if dt else "none"
        io = e.get("ioctl")
        if e["api"] == "none":
            ioctl = "no VM"
        elif io is None:
            ioctl = "?"
        elif io.get("source") != "ioctl":
            ioctl = "EINVAL"
        else:
            ioctl = modes(io.get("modes"))
        ran = modes(e.get("l2_ran")) if e["api"] != "none" else "no VM"
        other = c.get(name)
        client = [short(e.get(f"l2_{how}", "-")) for how in ("unguided", "guided")]
        keys = ("ioctl", "l2_ran", "l2_unguided", "l2_guided")
        agree = "?" if other is None else (
            "yes" if all(other.get(k) == e.get(k) for k in keys) else "no")
        if e.get("failed"):
            agree += f" ({e['failed']} failed)"
        row = [name, f"{machine} {e['cpu']}", dtv, ioctl, ran] + client + [agree]
        if old:
            was = old.get(name, {})
            cases = [c for c in was.get("failed_cases", []) if c != "unguided"]
            row += [short(was.get("l2_unguided", "-")), " ".join(cases) or "-"]
        rows.append(row)
    widths = [max(len(x) for x in col) for col in zip(head, *rows)]
    lines = ["  ".join(x.ljust(w) for x, w in zip(r, widths)).rstrip()
             for r in [head, ["-" * w for w in widths]] + rows]
    return "\n".join(lines)


def bench(path):
    """make bench's instruction and byte tables, as it saved them."""
    if not os.path.exists(path):
        return "(make bench has not been run: no out/logs/bench.txt)"
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    # Each part runs from its heading to the line before the timings, or
    # to the byte total.
    keep, on = [], False
    for line in lines:
        if line.startswith(("instructions per call", "bytes of the objects")):
            on = True
        elif line.startswith("secondary:"):
            on = False
        if on:
            keep.append(line)
        if line.startswith("the feature in"):
            keep.append("")
            on = False
    return re.sub(r"\n{3,}", "\n\n", "\n".join(keep)).strip("\n")


def main():
    template, summary_path, cover = sys.argv[1:4]
    with open(template, encoding="utf-8") as f:
        subject, _, body = f.read().partition("\n")
    body = body.strip("\n")
    if "@BENCH@" in body:
        body = body.replace("@BENCH@", bench(os.path.join(
            os.path.dirname(summary_path), "bench.txt")))
    # SUMMARY_JSON "-": a cover letter without a table (the uaccess series).
    if summary_path != "-":
        with open(summary_path, encoding="utf-8") as f:
            summary = json.load(f)
        # make released: Linux 7.3 as released, run the same way.
        released = {}
        rel_path = os.path.join(os.path.dirname(summary_path), "..", "released", "logs",
                                "summary.json")
        if os.path.exists(rel_path):
            with open(rel_path, encoding="utf-8") as f:
                released = json.load(f)
        body = body.replace("@TABLE@", table(summary, released))
    with open(cover, encoding="utf-8") as f:
        text = f.read()
    text = text.replace("*** SUBJECT HERE ***", subject.strip())
    text = text.replace("*** BLURB HERE ***", body)
    with open(cover, "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
