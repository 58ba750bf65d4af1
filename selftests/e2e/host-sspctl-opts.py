#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Host test (no VM) of the --json/--help parsing that `sspctl info`, `list`
and `ports` share (json_opts() in sspctl's opts.c): --help prints the usage
on stdout and exits 0, an unknown option or a wrong number of operands
prints it on stderr and exits 2, as before the three parsers became one."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from e2e_lib import SSPCTL, Tap  # noqa: E402

USAGE = {"info": "usage: sspctl info [--json] DEV\n", "list": "usage: sspctl list [--json]\n",
         "ports": "usage: sspctl ports [--json]\n"}
HELP = {"info": "DEV is sspN, /dev/sspN or a chip serial.\n",
        "list": "List the chips on /dev/sspN",
        "ports": "List the USB ports stm32_ssp leaves to other tools"}


def sspctl(*args):
    return subprocess.run([SSPCTL, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=60)


def main():
    tap = Tap()
    for cmd, usage in USAGE.items():
        p = sspctl(cmd, "--help")
        tap.ok(p.returncode == 0 and p.stdout.startswith(usage) and HELP[cmd] in p.stdout
               and not p.stderr, f"{cmd} --help: usage and help on stdout, exit 0",
               diag=p.stdout + p.stderr)
        p = sspctl(cmd, "-h")
        tap.ok(p.returncode == 0 and p.stdout.startswith(usage), f"{cmd} -h: the same")
        for bad in (["--bogus"], ["--json", "--bogus"], ["-x"]):
            p = sspctl(cmd, *bad, *(["ssp0"] if cmd == "info" else []))
            tap.ok(p.returncode == 2 and not p.stdout and usage in p.stderr and
                   ("unrecognized option" in p.stderr or "invalid option" in p.stderr),
                   f"{cmd} {' '.join(bad)}: named on stderr with the usage, exit 2",
                   diag=p.stdout + p.stderr)
    for cmd in ("list", "ports"):
        p = sspctl(cmd, "--json", "extra")
        tap.ok(p.returncode == 2 and f"sspctl {cmd}: unexpected argument 'extra'" in p.stderr,
               f"{cmd}: an operand is named as unexpected, exit 2", diag=p.stderr)
    for args in ([], ["--json"], ["ssp0", "ssp1"]):
        p = sspctl("info", *args)
        tap.ok(p.returncode == 2 and p.stderr == USAGE["info"] + HELP["info"],
               f"info {' '.join(args) or '(nothing)'}: exactly one DEV, else the usage, exit 2",
               diag=p.stderr)
    return tap.done()


sys.exit(main())
