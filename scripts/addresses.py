#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Address the mails of one format-patch directory, as get_maintainer.pl says.

    addresses.py TREE DIR [EXTRA]

Each patch gets To: its maintainers and Cc: its reviewers and lists, from
TREE's scripts/get_maintainer.pl (without git history: the roles of the
MAINTAINERS file alone); the cover letter gets the union of its patches'.
EXTRA (optional) holds lines "To: ADDR" and "Cc: ADDR" added to every mail
of the series, and "private" to keep lists off (a security report goes to
the people named first, never to a public list).
"""
import pathlib
import re
import subprocess
import sys


def maintainers(tree, patch):
    out = subprocess.run(
        ["perl", "scripts/get_maintainer.pl", "--no-git", "--no-git-fallback",
         str(patch)],
        cwd=tree, check=True, capture_output=True, text=True).stdout
    to, cc = [], []
    for line in out.splitlines():
        # The role is the parenthesised part that starts with a role
        # word: a name may hold parentheses of its own.
        m = re.match(r"^(.*?) \(((?:maintainer|reviewer|supporter|odd fixer|"
                     r"open list|moderated list|subscriber list|chief penguin)\b.*)\)$",
                     line.strip())
        if not m:
            continue
        addr, role = m.groups()
        is_list = "list" in role
        (to if role.startswith("maintainer:") else cc).append((addr, is_list))
    return to, cc


def extra(path):
    to, cc, private = [], [], False
    if path and pathlib.Path(path).is_file():
        for line in pathlib.Path(path).read_text().splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line == "private":
                private = True
            elif line.startswith("To: "):
                to.append((line[4:], False))
            elif line.startswith("Cc: "):
                cc.append((line[4:], False))
            else:
                sys.exit(f"addresses: {path}: cannot read {line!r}")
    return to, cc, private


def uniq(pairs, private, drop=()):
    seen, out = set(drop), []
    for addr, is_list in pairs:
        if (private and is_list) or addr in seen:
            continue
        seen.add(addr)
        out.append(addr)
    return out


def add_headers(path, to, cc):
    text = path.read_text()
    head, sep, body = text.partition("\n\n")
    lines = head.split("\n")
    # After the Subject: header and its continuation lines.
    i = next(n for n, l in enumerate(lines) if l.startswith("Subject: ")) + 1
    while i < len(lines) and lines[i].startswith((" ", "\t")):
        i += 1
    new = []
    if to:
        new.append("To: " + ",\n    ".join(to))
    if cc:
        new.append("Cc: " + ",\n    ".join(cc))
    lines[i:i] = new
    path.write_text("\n".join(lines) + sep + body)


def main():
    tree, d = sys.argv[1], pathlib.Path(sys.argv[2])
    xto, xcc, private = extra(sys.argv[3] if len(sys.argv) > 3 else None)
    mails = sorted(d.glob("v*-[0-9][0-9][0-9][0-9]-*.patch"))
    cover = [m for m in mails if re.search(r"-0000-", m.name)]
    patches = [m for m in mails if m not in cover]
    all_to, all_cc = [], []
    for p in patches:
        to, cc = maintainers(tree, p)
        all_to += to
        all_cc += cc
        t = uniq(xto + to, private)
        add_headers(p, t, uniq(xcc + cc, private, t))
    for c in cover:
        t = uniq(xto + all_to, private)
        add_headers(c, t, uniq(xcc + all_cc, private, t))


if __name__ == "__main__":
    main()
