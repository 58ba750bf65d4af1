#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The driver's trace events (system stm32_ssp) tell a whole provisioning run,
as the admin guide says to capture it on real silicon: enabled through
tracefs before the chips appear, one MP15 and one MP13 simulated chip are
provisioned, and each chip's part of the trace must show its slot's life (new,
every state and stage change with consecutive seq, the re-enumerations), each
SSP firmware download as DNLOAD blocks 0..n-1 of wTransferSize with the
GETSTATUS replies sspsim sends (dfuDNLOAD-SYNC then dfuDNLOAD-IDLE,
bwPollTimeout 0; dfuMANIFEST with bwPollTimeout 1 ms after the zero-length
DNLOAD, spec 2.1), the license download, the GetPhase replies of spec 3.2
(A2 "Provisioning", B2 the SSP phase, B4 the detach request) and a DETACH
after each, and no lost event."""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from e2e_lib import main_wrapper  # noqa: E402

TRACEFS = "/sys/kernel/tracing"
BUFFER_KB = 8192        # per CPU; a run of two chips takes a few hundred KiB
CHIP_ID = {"mp15": 0x500, "mp13": 0x501}
LICENSE_LEN = {"mp15": 136 + 244, "mp13": 136 + 212}     # spec 3.2 B3
# Re-enumerations of a provisioned chip (spec 1.2, 3.2): MP15 only at each
# stage's reset (3), MP13 also when its ROM starts the FSBL (A and B: 5).
REATTACHES = {"mp15": 3, "mp13": 5}
SSP_PHASE = {"mp15": 0x00, "mp13": 0xF3}                  # spec 3.2 B2
DFU_DNLOAD_SYNC, DFU_DNLOAD_IDLE, DFU_MANIFEST, DFU_IDLE = 3, 5, 7, 2

LINE = re.compile(r"\s(?P<ts>\d+\.\d+): (?P<ev>stm32_ssp_\w+): (?P<msg>.*)$")
FIELDS = {
    "stm32_ssp_dfu_request": re.compile(
        r"(?P<port>\S+) (?P<req>\S+) (?P<dir>in|out) wValue=0x(?P<value>[0-9a-f]+) "
        r"wIndex=(?P<index>\d+) wLength=(?P<length>\d+) ret=(?P<ret>-?\d+) (?P<us>\d+)us$"),
    "stm32_ssp_dfu_status": re.compile(
        r"(?P<port>\S+) bStatus=(?P<status>\d+)\((?P<status_name>[^)]*)\) "
        r"bState=(?P<state>\d+)\((?P<state_name>[^)]*)\) bwPollTimeout=(?P<poll>\d+)$"),
    "stm32_ssp_get_phase": re.compile(
        r"(?P<port>\S+) phase=0x(?P<phase>[0-9a-f]+) address=0x(?P<address>[0-9a-f]+) "
        r"offset=0x(?P<offset>[0-9a-f]+) result=0x(?P<result>[0-9a-f]+)\((?P<flags>[^)]*)\) "
        r"len=(?P<len>-?\d+) ret=(?P<ret>-?\d+) reply=(?P<reply>.*)$"),
    "stm32_ssp_slot": re.compile(
        r"ssp(?P<minor>\d+) port=(?P<port>\S+) serial=(?P<serial>\S*) chip=0x(?P<chip>[0-9a-f]+) "
        r"state=(?P<old_state>\w+)->(?P<state>\w+) stage=(?P<old_stage>\w+)->(?P<stage>\w+) "
        r"generation=(?P<gen>\d+) seq=(?P<seq>\d+)$"),
}
NUMERIC = {"value": 16, "index": 10, "length": 10, "ret": 10, "us": 10, "status": 10,
           "state": 10, "poll": 10, "phase": 16, "address": 16, "offset": 16, "result": 16,
           "len": 10, "minor": 10, "chip": 16, "gen": 10, "seq": 10}


def tracefs():
    if not os.path.exists(os.path.join(TRACEFS, "events")):
        subprocess.run(["mount", "-t", "tracefs", "nodev", TRACEFS], check=False)
    return os.path.exists(os.path.join(TRACEFS, "events", "stm32_ssp"))


def tw(name, value):
    with open(os.path.join(TRACEFS, name), "w") as f:
        f.write(value)


def tr(name):
    with open(os.path.join(TRACEFS, name)) as f:
        return f.read()


def parse(text):
    """[(event, fields)] in trace order; unparsable stm32_ssp lines as ('bad', line)."""
    out = []
    for line in text.splitlines():
        m = LINE.search(line)
        if not m:
            continue
        f = FIELDS.get(m["ev"])
        fm = f.match(m["msg"]) if f else None
        if not fm:
            out.append(("bad", line))
            continue
        d = {k: (int(v, NUMERIC[k]) if k in NUMERIC and not (m["ev"] == "stm32_ssp_slot" and
                                                           k == "state") else v)
             for k, v in fm.groupdict().items()}
        out.append((m["ev"], d))
    return out


def downloads(evs):
    """Each DNLOAD run up to its zero-length DNLOAD: (blocks, index of that DNLOAD)."""
    runs, blocks = [], []
    for i, (ev, d) in enumerate(evs):
        if ev != "stm32_ssp_dfu_request" or d["req"] != "DFU_DNLOAD":
            continue
        if d["length"]:
            blocks.append((i, d))
        else:
            runs.append((blocks, i))
            blocks = []
    return runs


def statuses_after(evs, i, n):
    """The first n GETSTATUS replies after event i."""
    return [d for ev, d in evs[i + 1:] if ev == "stm32_ssp_dfu_status"][:n]


def check_chip(tap, w, serial, evs_all):
    series = w.chips[serial]["series"]
    slots = [d for ev, d in evs_all if ev == "stm32_ssp_slot" and d["serial"] == serial]
    if not tap.ok(slots, f"trace: {series}: slot events of serial {serial}"):
        return
    port = slots[0]["port"]
    evs = [(ev, d) for ev, d in evs_all if d.get("port") == port]
    name = f"trace: {series} ({port})"

    first = slots[0]
    tap.ok((first["old_state"], first["state"], first["old_stage"], first["stage"],
            first["gen"], first["seq"], first["chip"]) ==
           ("new", "ready", "unknown", "rom", 0, 0, CHIP_ID[series]),
           f"{name}: the slot starts new -> ready in rom, generation 0, chip id", diag=first)
    seqs = [d["seq"] for d in slots]
    tap.ok(seqs == list(range(len(seqs))),
           f"{name}: every state/stage change traced (seq 0..{len(seqs) - 1} consecutive)",
           diag=seqs)
    chain = all(a["state"] == b["old_state"] and a["stage"] == b["old_stage"]
                for a, b in zip(slots, slots[1:]))
    tap.ok(chain, f"{name}: each change starts where the previous one ended",
           diag="\n".join(f"{d['old_state']}->{d['state']} {d['old_stage']}->{d['stage']}"
                          for d in slots))
    reatt = [d for d in slots if d["old_state"] == "absent" and d["state"] == "ready"]
    tap.ok([d["gen"] for d in reatt] == list(range(1, REATTACHES[series] + 1)),
           f"{name}: {REATTACHES[series]} re-enumerations, generation +1 each (spec 1.2, 3.2)",
           diag=[(d["gen"], d["stage"]) for d in reatt])
    fsbl = [d for d in slots if d["stage"] == "fsbl" and d["old_stage"] != "fsbl"]
    tap.ok(len(fsbl) == 2, f"{name}: the SSP firmware answered twice (stages A and B; C is silent, spec 3.2 C2)",
           diag=[(d["old_state"], d["state"], d["gen"]) for d in fsbl])
    if series == "mp15":
        boots = [d for d in slots if d["state"] == "booting"]
        tap.ok(len(boots) == 3 and all(d["old_stage"] == "rom" for d in boots),
               f"{name}: the ROM started the image on the same device three times (booting)",
               diag=boots)
    if series == "mp15":
        # Each boot poll reads the product string only (1 request), and the
        # one that finds the FSBL keeps the phase map: the FSBL keeps the
        # ROM's USB configuration (spec 1.2). A failed poll is one request.
        # [answered, failed] GET_DESCRIPTOR requests between "booting" and
        # the slot's next change, per boot.
        polls, cur = [], None
        for ev, d in evs:
            if ev == "stm32_ssp_slot":
                if cur is not None:
                    polls.append(cur)
                cur = [0, 0] if d["state"] == "booting" else None
            elif cur is not None and ev == "stm32_ssp_dfu_request" and d["req"] == "GET_DESCRIPTOR":
                cur[0 if d["ret"] >= 0 else 1] += 1
        # Stages A and B: the FSBL answers; C: it resets without (spec 3.2 C2).
        tap.ok([ok for ok, _ in polls] == [1, 1, 0],
               f"{name}: the boot poll reads the product string alone: 1 string answered "
               "in boots A and B (7 with every alternate name), 0 in C", diag=polls)
    tap.ok(slots[-1]["state"] == "ready" and slots[-1]["stage"] == "rom",
           f"{name}: back in the ROM after stage C (spec 7.3)", diag=slots[-1])

    # Downloads: the SSP firmware three times (A1, B1, C1), the license once (B3).
    fw_len = os.path.getsize(w.fw if series == "mp15" else w.fw13)
    runs = downloads(evs)
    sizes = [sum(d["length"] for _, d in blocks) for blocks, _ in runs]
    tap.ok(sorted(sizes) == sorted([fw_len] * 3 + [LICENSE_LEN[series]]),
           f"{name}: 3 firmware downloads of {fw_len} bytes and one license of "
           f"{LICENSE_LEN[series]}", diag=sizes)
    bad_blocks, bad_status, bad_manifest = [], [], []
    for blocks, zl in runs:
        xfer = max(d["length"] for _, d in blocks) if blocks else 0
        if [d["value"] for _, d in blocks] != list(range(len(blocks))) or \
                any(d["length"] != xfer or d["ret"] != d["length"] for _, d in blocks[:-1]) or \
                any(d["ret"] < 0 for _, d in blocks):
            bad_blocks.append([(d["value"], d["length"], d["ret"]) for _, d in blocks])
        for i, d in blocks:
            st = statuses_after(evs, i, 2)
            got = [(s["status"], s["state"], s["poll"]) for s in st]
            if got != [(0, DFU_DNLOAD_SYNC, 0), (0, DFU_DNLOAD_IDLE, 0)]:
                bad_status.append((d["value"], got))
        st = statuses_after(evs, zl, 1)
        if [(s["status"], s["state"], s["poll"]) for s in st] != [(0, DFU_MANIFEST, 1)]:
            bad_manifest.append(st)
    tap.ok(runs and not bad_blocks,
           f"{name}: DNLOAD blocks numbered from 0, wTransferSize each but the last, all sent",
           diag=bad_blocks)
    tap.ok(runs and not bad_status,
           f"{name}: each block polled dfuDNLOAD-SYNC then dfuDNLOAD-IDLE, bwPollTimeout 0",
           diag=bad_status[:5])
    tap.ok(runs and not bad_manifest,
           f"{name}: each zero-length DNLOAD answered dfuMANIFEST with bwPollTimeout 1 ms (spec 2.1)",
           diag=bad_manifest)
    if series == "mp13":
        # Spec 2.4: the MP13 ROM goes on to dfuIDLE and starts the FSBL on DETACH.
        fw_runs = [(b, zl) for b, zl in runs if sum(d["length"] for _, d in b) == fw_len]
        ok = True
        for _, zl in fw_runs:
            st = statuses_after(evs, zl, 2)
            nxt = [d["req"] for ev, d in evs[zl + 1:] if ev == "stm32_ssp_dfu_request"][:3]
            ok &= [s["state"] for s in st] == [DFU_MANIFEST, DFU_IDLE] and "DFU_DETACH" in nxt
        tap.ok(fw_runs and ok, f"{name}: the ROM reaches dfuIDLE, then DETACH starts the FSBL (spec 2.4)")

    # GetPhase replies in the order of spec 3.2: A2, B2, B4.
    phases = [d for ev, d in evs if ev == "stm32_ssp_get_phase"]
    a2 = [i for i, d in enumerate(phases) if d["phase"] == 0xFF and "error" in d["flags"]
          and d["address"] == 0xFFFFFFFF and d["len"] == 21 and d["ret"] == 0
          and d["reply"].startswith("ff ff ff ff ff 00 00 00 00 50 72 6f")]
    b2 = [i for i, d in enumerate(phases) if d["phase"] == SSP_PHASE[series]
          and d["address"] != 0xFFFFFFFF and d["len"] == 9 and d["result"] == 0]
    b4 = [i for i, d in enumerate(phases) if d["phase"] == 0 and d["address"] == 0xFFFFFFFF
          and "detach-req" in d["flags"] and d["len"] == 10]
    tap.ok(a2 and b2 and b4 and a2[0] < b2[0] < b4[0],
           f"{name}: GetPhase replies A2 'Provisioning' (21 bytes), B2 phase 0x{SSP_PHASE[series]:02x}, "
           "B4 detach request, in that order (spec 2.3, 3.2)",
           diag="\n".join(f"phase=0x{d['phase']:02x} address=0x{d['address']:08x} "
                          f"result={d['flags']} len={d['len']} ret={d['ret']}" for d in phases))
    # DETACH right after A2 and B4.
    req = [(i, d) for i, (ev, d) in enumerate(evs) if ev in ("stm32_ssp_get_phase", "stm32_ssp_dfu_request")]
    after = []
    for k, (i, d) in enumerate(req):
        if "req" not in d and (d["phase"] == 0xFF or "detach-req" in d["flags"]):
            nxt = [x["req"] for _, x in req[k + 1:] if "req" in x][:1]
            after.append(nxt)
    tap.ok(len(after) >= 2 and all(a == ["DFU_DETACH"] for a in after),
           f"{name}: DFU_DETACH follows each 'Provisioning' and detach request", diag=after)
    reqs = [d for ev, d in evs if ev == "stm32_ssp_dfu_request"]
    tap.ok(reqs and all(d["index"] == 0 for d in reqs if d["req"].startswith("DFU_")) and
           any(d["us"] > 0 for d in reqs),
           f"{name}: requests carry wIndex 0 (interface 0) and a measured duration")


def body(tap, w):
    if not tap.ok(tracefs(), "trace: tracefs mounted and the stm32_ssp events registered",
                  diag=os.listdir(TRACEFS) if os.path.isdir(TRACEFS) else "no " + TRACEFS):
        return
    # An unused buffer reads "7 (expanded: 1408)": 1408 is its size.
    saved = {k: re.findall(r"\d+", tr(k))[-1] for k in ("tracing_on", "buffer_size_kb")}
    tw("tracing_on", "0")
    tw("events/enable", "0")
    tw("buffer_size_kb", str(BUFFER_KB))
    tw("trace", "")
    tw("events/stm32_ssp/enable", "1")
    tw("tracing_on", "1")
    try:
        _, c15 = w.sim_start("sim15", "mp15", 1)
        _, c13 = w.sim_start("sim13", "mp13", 1)
        h15 = w.hsm_init("hsm15", "mp15", 4, w.st_pub)
        h13 = w.hsm_init("hsm13", "mp13", 4, w.st_pub)
        inputs = [(w.secrets_build("mp15"), h15), (w.secrets_build("mp13"), h13)]
        rc, res, _, err = w.provision(inputs, devs=c15 + c13)
        tap.ok(rc == 0 and all(res.get(s, {}).get("result") == "provisioned" for s in c15 + c13),
               "trace: one MP15 and one MP13 chip provisioned with the events on",
               diag=f"rc={rc}\n{err}\n{res}")
    finally:
        tw("tracing_on", "0")
        tw("events/stm32_ssp/enable", "0")
    text = tr("trace")
    stats = [tr(f"per_cpu/{c}/stats") for c in sorted(os.listdir(os.path.join(TRACEFS, "per_cpu")))]
    overruns = [int(m) for s in stats for m in re.findall(r"^overrun: (\d+)", s, re.M)]
    tap.ok(overruns and not any(overruns), "trace: no event lost (overrun 0 on every CPU)",
           diag=overruns)
    evs = parse(text)
    if os.environ.get("TEST_TRACE_DUMP"):
        tap.note(text)
    bad = [d for ev, d in evs if ev == "bad"]
    tap.ok(evs and not bad, f"trace: {len(evs)} stm32_ssp events, each in its documented format",
           diag="\n".join(bad[:10]))
    for s in c15 + c13:
        check_chip(tap, w, s, evs)
    # Leave tracefs as found for the tests after this one.
    tw("trace", "")
    for k, v in saved.items():
        tw(k, v)


main_wrapper(body)
