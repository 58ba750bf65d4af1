#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""`sspctl list` (netlink GET_DEVICE dump) and `sspctl info` (GET_INFO, by
sspN, /dev/sspN or serial) on one MP15 and one MP13 chip."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from e2e_lib import SSPCTL, main_wrapper  # noqa: E402


def sspctl(*args):
    return subprocess.run([SSPCTL, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=60)


def body(tap, w):
    _, (s15,) = w.sim_start("sim15", "mp15", 1)
    _, (s13,) = w.sim_start("sim13", "mp13", 1)
    p = sspctl("list", "--json")
    devs = {d["serial"]: d for d in json.loads(p.stdout)}
    tap.ok(p.returncode == 0 and "netlink" not in p.stderr, "list: from the netlink dump",
           diag=p.stderr)
    tap.ok(devs.get(s15, {}).get("chip") == "STM32MP15" and devs.get(s13, {}).get("chip") == "STM32MP13",
           "list: both chips with their chip id", diag=devs)
    tap.ok(all(devs.get(s, {}).get("stage") == "rom" and devs[s].get("state") == "ready"
               for s in (s15, s13)), "list: both in ROM, ready")
    p = sspctl("list")
    tap.ok(p.returncode == 0 and s15 in p.stdout and s13 in p.stdout and "SERIAL" in p.stdout,
           "list: the table names both serials", diag=p.stdout)

    dev = devs[s13]["dev"]
    for arg in (dev, f"/dev/{dev}", s13, s13.lower()):
        p = sspctl("info", "--json", arg)
        info = json.loads(p.stdout) if p.returncode == 0 else {}
        tap.ok(info.get("serial") == s13 and info.get("dev") == dev and info.get("alternates", 0) >= 2
               and "0x501" in info.get("product", ""),
               f"info: '{arg}' resolves to {dev} and shows its product string", diag=p.stdout + p.stderr)
    # The phase map (GET_INFO VER1): what dfu-util -l lists as alt=N, name=...
    p = sspctl("info", "--json", dev)
    pm = json.loads(p.stdout).get("phase_map") if p.returncode == 0 else None
    want = [{"alt": 0, "phase": 0x01, "size": 128 << 10, "name": "@FSBL /0x01/1*128Ke"},
            {"alt": 1, "phase": 0xF1, "size": 512, "name": "@virtual /0xF1/1*512Ba"}]
    tap.ok(pm == want, "info --json: the MP13 ROM's phase map, alt by alt", diag=pm)
    p = sspctl("info", devs[s15]["dev"])
    lines = [ln.split() for ln in p.stdout.splitlines() if ln.startswith("  alt ")]
    tap.ok(p.returncode == 0 and "phase map:     6 of the alternates" in p.stdout and len(lines) == 6
           and lines[1] == ["alt", "1", "phase", "0x01", "1048576", "bytes", "@FSBL", "/0x01/1*1Me"],
           "info: the MP15 ROM's 6 mapped alternates, one line each", diag=p.stdout)
    p = sspctl("info", "0123456789ABCDEF01234567")
    tap.ok(p.returncode == 1 and "no chip with serial" in p.stderr, "info: an unknown serial is named",
           diag=p.stderr)
    p = sspctl("info")
    tap.ok(p.returncode == 2, "info: no device is a usage error")


main_wrapper(body)
