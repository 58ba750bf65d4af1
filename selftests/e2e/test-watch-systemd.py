#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""`sspctl watch` as sspctl-watch@.service runs it, with a fake systemd: the
PIN comes from $CREDENTIALS_DIRECTORY/pin (`pin-file = %d/pin`), READY=1 and
STATUS= go to the $NOTIFY_SOCKET the test binds, and, its stderr being the
stream $JOURNAL_STREAM names, the daemon sends journal records to a socket
bound at /run/systemd/journal/socket (the VM's own tmpfs) instead of text.
An HSM with one license and two chips: one chip is provisioned (a notice),
the other is left unprovisioned (an error, what `journalctl -p err` shows),
both with SSP_SERIAL, SSP_RESULT, SSP_STEP, SSP_PORT, SSP_CHIP."""
import os
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from e2e_lib import SSPCTL, main_wrapper  # noqa: E402

JOURNAL_SOCKET = "/run/systemd/journal/socket"


def parse_native(data):
    """One datagram of journald's native protocol: {FIELD: value}."""
    fields = {}
    while data:
        nl = data.find(b"\n")
        if nl < 0:
            break
        line, data = data[:nl], data[nl + 1:]
        if b"=" in line:
            k, v = line.split(b"=", 1)
        else:  # binary-safe form: NAME\n, le64 size, value, \n
            (size,) = struct.unpack("<Q", data[:8])
            k, v, data = line, data[8:8 + size], data[9 + size:]
        fields[k.decode()] = v.decode(errors="replace")
    return fields


class Listener(threading.Thread):
    """Receives datagrams as they come, as systemd does: a full queue
    (net.unix.max_dgram_qlen, 10) would block the daemon's sendmsg()."""

    def __init__(self, sock):
        super().__init__(daemon=True)
        self.sock = sock
        self.sock.settimeout(0.2)
        self.msgs = []
        self.stop = False
        self.start()

    def run(self):
        while not self.stop:
            try:
                self.msgs.append(self.sock.recv(1 << 20))
            except OSError:
                continue

    def finish(self):
        self.stop = True
        self.join()
        return self.msgs


def body(tap, w):
    if os.path.exists(JOURNAL_SOCKET):
        tap.ok(True, "watch-systemd: # SKIP a journald runs here; the test binds its socket")
        return
    h15 = w.hsm_init("hsm15", "mp15", 1, w.st_pub)
    creds = w.path("credentials")
    os.mkdir(creds, 0o700)
    shutil.copy(w.pin_file, os.path.join(creds, "pin"))
    os.chmod(os.path.join(creds, "pin"), 0o400)
    conf = w.path("sspctl.conf")
    with open(conf, "w") as f:
        f.write(f"[hsm]\npin-file = %d/pin\n\n[provision]\nfirmware = {w.fw}\njobs = 0\n\n"
                f"[mp15]\nhsm = {h15}\nsecrets = {w.secrets_build('mp15')}\n")

    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(w.path("notify"))
    os.makedirs(os.path.dirname(JOURNAL_SOCKET), exist_ok=True)
    journal = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    journal.bind(JOURNAL_SOCKET)
    journal.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    nl, jl = Listener(notify), Listener(journal)
    watch = None
    try:
        err_r, err_w = os.pipe()
        st = os.fstat(err_w)
        env = dict(w.env, NOTIFY_SOCKET=w.path("notify"), CREDENTIALS_DIRECTORY=creds,
                   JOURNAL_STREAM=f"{st.st_dev}:{st.st_ino}")
        env.pop("SSP_HSM_PIN", None)  # the credential is the only PIN
        watch = subprocess.Popen([SSPCTL, "watch", "--config", conf, "--count", "2"],
                                 stdout=subprocess.PIPE, stderr=err_w, env=env)
        os.close(err_w)
        deadline = time.time() + 60
        while time.time() < deadline and watch.poll() is None and \
                not any(m.startswith(b"READY=1") for m in nl.msgs):
            time.sleep(0.2)
        tap.ok(any(m.startswith(b"READY=1\nSTATUS=watching for chips") for m in nl.msgs),
               "watch-systemd: READY=1 once it listens for chips", diag=nl.msgs)
        _, chips = w.sim_start("sim15", "mp15", 2, wait=False)
        try:
            # Within the suite's timeout, so that the world is torn down.
            out, _ = watch.communicate(timeout=400)
        except subprocess.TimeoutExpired:
            watch.terminate()
            out, _ = watch.communicate(timeout=60)
        with os.fdopen(err_r, "rb") as f:
            err = f.read().decode(errors="replace")
    finally:
        if watch and watch.poll() is None:
            watch.kill()
        msgs = nl.finish()
        recs = [parse_native(d) for d in jl.finish()]
        journal.close()
        os.unlink(JOURNAL_SOCKET)
        notify.close()

    tap.ok(watch.returncode == 0, "watch-systemd: exits 0 after --count 2 chips", diag=err)
    text = [m.decode(errors="replace") for m in msgs]
    tap.ok(any("STATUS=" in m and "1 provisioned, 1 failed" in m for m in text),
           "watch-systemd: STATUS= counts 1 provisioned, 1 failed", diag="\n".join(text))
    tap.ok(text and text[-1].startswith("STOPPING=1\n"), "watch-systemd: STOPPING=1 last",
           diag="\n".join(text))
    tap.ok(out.strip() == b"" and err.strip() == "",
           "watch-systemd: no text lines: everything went to the journal", diag=out + err.encode())
    results = {r.get("SSP_SERIAL"): r for r in recs if r.get("MESSAGE_ID") and r.get("SSP_RESULT")}
    ok = [r for r in results.values() if r.get("SSP_RESULT") == "provisioned"]
    bad = [r for r in results.values() if r.get("SSP_RESULT") != "provisioned"]
    tap.ok(sorted(results) == sorted(chips) and len(ok) == 1 and len(bad) == 1,
           "watch-systemd: one result record per chip, one provisioned", diag=recs)
    tap.ok(all(r.get("PRIORITY") == "5" for r in ok) and all(r.get("PRIORITY") == "3" for r in bad),
           "watch-systemd: provisioned is a notice, the chip left unprovisioned an error",
           diag=list(results.values()))
    need = ("MESSAGE", "SSP_SERIAL", "SSP_RESULT", "SSP_STEP", "SSP_PORT", "SSP_CHIP",
            "SSP_DEVICE", "SYSLOG_IDENTIFIER")
    tap.ok(all(all(r.get(k) for k in need) for r in results.values()),
           "watch-systemd: result records carry " + ", ".join(need), diag=list(results.values()))
    tap.ok(all(r.get("SSP_CAUSE") and r["SSP_CAUSE"] in r.get("MESSAGE", "") for r in bad),
           "watch-systemd: the error names its cause in MESSAGE and SSP_CAUSE", diag=bad)
    steps = [r for r in recs if r.get("PRIORITY") == "6" and r.get("SSP_STEP")]
    tap.ok(len(steps) >= 2, "watch-systemd: steps are info records", diag=recs)
    tap.ok(any(r.get("MESSAGE", "").startswith("watching for chips") and r.get("PRIORITY") == "5"
               for r in recs), "watch-systemd: 'watching for chips' is a notice", diag=recs)
    tap.ok(w.hsm_status(h15).get("remaining") == 0,
           "watch-systemd: the PIN from the credential opened the HSM (1 license used)")


main_wrapper(body)
