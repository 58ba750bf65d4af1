#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""`make bench`, inside the VM: the parts that need the kernel, each ending
with its own "benchmark result: PASS|FAIL" line (Documentation/performance.rst):
  gang  32 chips against 1, per-step table and CPU account (bench_gang.py);
  host  one chip with fast timing: what the host adds to the device's
        modelled time (bench_gang.py);
  dfu   STM32_SSP_IOC_LOAD_FW against dfu-util (bench_dfu.py).
`bench.py [gang] [host] [dfu]` runs some of them. A benchmark, not a test:
the exit status is non-zero only when a measurement could not be made."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from e2e_lib import World  # noqa: E402
import bench_dfu  # noqa: E402
import bench_gang  # noqa: E402


def main():
    parts = sys.argv[1:] or ["gang", "host", "dfu"]
    failed = 0
    dev = None
    for part in parts:
        w = World()
        try:
            if part == "gang":
                dev = bench_gang.gang(w)
            elif part == "host":
                bench_gang.host(w, dev)
            elif part == "dfu":
                bench_dfu.bench(w, int(os.environ.get("SSP_BENCH_DFU_ROUNDS", bench_dfu.ROUNDS)))
            else:
                print(f"bench: unknown part {part!r} (gang, host, dfu)", file=sys.stderr)
                return 2
        except Exception as e:  # noqa: BLE001 - one part's failure must not hide the others
            print(f"bench {part}: the measurement failed: {type(e).__name__}: {e}", flush=True)
            failed += 1
        finally:
            w.close()
        print(flush=True)
    return 1 if failed else 0


sys.exit(main())
