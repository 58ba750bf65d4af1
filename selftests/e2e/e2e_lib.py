# SPDX-License-Identifier: GPL-2.0-only
"""End-to-end helpers: a world of simulated chips (sspsim), software HSMs,
secrets files and OEM keys, driven with the real sspctl and stm32_ssp.ko.

Used by the VM tests in this directory and by scripts/demo and
scripts/bench. Everything lives in one scratch directory under /tmp;
World.close() stops every simulator it started.
"""
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(TOP, "build")
SSPCTL = os.environ.get("SSPCTL", os.path.join(BUILD, "sspctl"))
SSPSIM = os.environ.get("SSPSIM", os.path.join(BUILD, "sspsim"))
MP13_TABLE_KEYS = 8     # ST's MP13 tools write a key table of 8 keys

# OTP map (spec 4.6, userspace/lib/profile.h).
OTP = {
    "mp15": {"closed": lambda w0: bool(w0 & (1 << 6)), "ssp_word": 8,
             "req": 1 << 8, "success": 1 << 9, "rma_mask": 0x3FFFFFFF},
    "mp13": {"closed": lambda w0: (w0 & 0x3F) == 0x3F, "ssp_word": 9,
             "req": 1 << 5, "success": 1 << 6, "rma_mask": 0xFFFFFFFF},
}
PKH, RMA, SECRETS = 24, 56, 59
RMA_UNLOCK, RMA_RELOCK = 0x1234, 0x4321


class Tap:
    """TAP lines, unindented, as scripts/run-tests counts them."""

    def __init__(self):
        self.n = 0
        self.failed = 0
        print("TAP version 13", flush=True)

    def ok(self, cond, name, diag=None):
        self.n += 1
        if cond:
            print(f"ok {self.n} - {name}", flush=True)
        else:
            self.failed += 1
            print(f"not ok {self.n} - {name}", flush=True)
            if diag:
                for line in str(diag).splitlines()[-40:]:
                    print(f"#   {line}", flush=True)
        return cond

    def note(self, msg):
        for line in str(msg).splitlines():
            print(f"# {line}", flush=True)

    def done(self):
        print(f"1..{self.n}", flush=True)
        return 1 if self.failed else 0


def run(cmd, timeout=600, env=None, check=False):
    """Run a command; returns CompletedProcess with text stdout/stderr."""
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=timeout, env=env)
    if check and p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {p.returncode}:\n{p.stdout}\n{p.stderr}")
    return p


def pub_raw(priv):
    n = priv.public_key().public_numbers()
    return n.x.to_bytes(32, "big") + n.y.to_bytes(32, "big")


def be_words(b):
    return [struct.unpack(">I", b[i:i + 4])[0] for i in range(0, len(b), 4)]


def le_words(b):
    return [struct.unpack("<I", b[i:i + 4])[0] for i in range(0, len(b), 4)]


class World:
    def __init__(self, tap=None, root=None, pin="e2e-pin-0123"):
        self.tap = tap
        self.root = root or tempfile.mkdtemp(prefix="ssp-e2e.", dir="/tmp")
        self.sims = []          # state dirs started
        self.groups = {}        # sim_start name -> its state dirs
        self.chips = {}         # serial -> {"series", "sim", "dev"}
        self.pin_file = self.path("hsm.pin")
        with open(self.pin_file, "w") as f:
            f.write(pin + "\n")
        os.chmod(self.pin_file, 0o600)
        self.env = dict(os.environ, SSP_HSM_PIN=pin)
        self._keys()

    def path(self, *p):
        return os.path.join(self.root, *p)

    def _keys(self):
        # One test ST key for every simulator of the world (sspsim uses a
        # DIR/st-priv.pem it finds), so HSMs can be set up before any chip.
        st = ec.generate_private_key(ec.SECP256R1())
        self.st_priv = self.path("st-priv.pem")
        self.st_pub = self.path("st-pub.pem")
        with open(self.st_priv, "wb") as f:
            f.write(st.private_bytes(serialization.Encoding.PEM,
                                     serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption()))
        with open(self.st_pub, "wb") as f:
            f.write(st.public_key().public_bytes(serialization.Encoding.PEM,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo))
        # OEM keys: key 0 signs the SSP firmware and is the MP15 key; the MP13
        # key table holds keys 0..7 in that order, as ST's MP13 tools write 8.
        self.oem = []
        for i in range(MP13_TABLE_KEYS):
            k = ec.generate_private_key(ec.SECP256R1())
            with open(self.path(f"oem{i}.pem"), "wb") as f:
                f.write(k.private_bytes(serialization.Encoding.PEM,
                                        serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption()))
            with open(self.path(f"oem{i}-pub.pem"), "wb") as f:
                f.write(k.public_key().public_bytes(serialization.Encoding.PEM,
                                                    serialization.PublicFormat.SubjectPublicKeyInfo))
            self.oem.append(k)
        self.key = os.urandom(16)
        self.nonce = os.urandom(12) + bytes(4)
        with open(self.path("oem.key"), "wb") as f:
            f.write(self.key)
        with open(self.path("oem.nonce"), "wb") as f:
            f.write(self.nonce)
        # 148 secret bytes, no zero word (zero words are skipped by TF-A).
        words = [struct.unpack("<I", os.urandom(4))[0] | 0x01010101 for _ in range(37)]
        self.secrets = b"".join(struct.pack("<I", w) for w in words)
        with open(self.path("secrets.bin"), "wb") as f:
            f.write(self.secrets)
        # The SSP firmware in the header each ROM takes: MP15 v1.0 signed by key 0;
        # MP13 v2.0 signed by key 0, its authentication extension holding the 8-key table.
        self.fw = self.path("ssp-fw.stm32")
        run([SSPSIM, "mkfw", "--out", self.fw, "--key", self.path("oem0.pem")], check=True)
        self.fw13 = self.path("ssp-fw-mp13.stm32")
        cmd = [SSPSIM, "mkfw", "--series", "mp13", "--out", self.fw13, "--key", self.path("oem0.pem")]
        for i in range(MP13_TABLE_KEYS):
            cmd += ["--table", self.path(f"oem{i}-pub.pem")]
        run(cmd, check=True)
        self.fw_args = ["--fw", f"mp15={self.fw}", "--fw", f"mp13={self.fw13}"]

    # ---- chips ----
    def list_devices(self):
        p = run([SSPCTL, "list", "--json"], check=True)
        return json.loads(p.stdout)

    def sim_start(self, name, series, chips, faults=(), timing="fast", wait=True):
        """Start chips; returns (name, serials by chip index).

        Each chip gets its own sspsim daemon (state NAME-I): a daemon that
        serves several chips can deadlock with the kernel's hub thread when
        one chip re-enumerates while another is enumerating (it reads
        /sys/bus/usb/devices/*/serial, which takes the lock of the device the
        hub thread holds while it waits for that same daemon's answer).
        A FAULT "I:KIND..." goes to chip I.
        """
        serials = []
        for i in range(chips):
            state = self.path(f"{name}-{i}")
            os.makedirs(state, mode=0o700, exist_ok=True)
            shutil.copy(self.st_priv, os.path.join(state, "st-priv.pem"))
            cmd = [SSPSIM, "start", "--state", state, "--series", series, "--chips", "1",
                   "--timing", timing]
            for f in faults:
                idx, rest = f.split(":", 1)
                if idx == "all" or int(idx) == i:
                    cmd += ["--fault", "0:" + rest]
            p = run(cmd, check=True, timeout=180)
            self.sims.append(state)
            self.groups.setdefault(name, []).append(state)
            got = [line.split()[1] for line in p.stdout.splitlines()
                   if len(line.split()) == 2 and line.split()[0] == "0"]
            if len(got) != 1:
                raise RuntimeError(f"sspsim start printed no chip:\n{p.stdout}\n{p.stderr}")
            self.chips[got[0]] = {"series": series, "sim": state}
            serials.append(got[0])
        if wait:
            self.wait_ready(serials)
        return name, serials

    def wait_ready(self, serials, timeout=120):
        """Wait until every chip in serials is a READY slot in ROM."""
        deadline = time.time() + timeout
        while True:
            devs = {d["serial"]: d for d in self.list_devices()}
            missing = [s for s in serials if devs.get(s, {}).get("state") != "ready"
                       or devs[s].get("stage") != "rom"]
            if not missing:
                return
            if time.time() > deadline:
                raise RuntimeError(f"chips not ready in ROM: {missing}: {list(devs.values())}")
            time.sleep(0.3)

    def sim_stop(self, name):
        """Stop the chips of sim_start(name) (or one state directory)."""
        for state in self.groups.pop(name, [name]):
            run([SSPSIM, "stop", "--state", state], timeout=60)
            if state in self.sims:
                self.sims.remove(state)

    def otp(self, serial):
        sim = self.chips[serial]["sim"]
        p = run([SSPSIM, "otp", "--state", sim, "--chip", serial], check=True)
        words = {}
        for line in p.stdout.splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[0].isdigit():
                words[int(parts[0])] = int(parts[1], 16)
        return words

    # ---- HSM and secrets ----
    def hsm_init(self, name, series, counter, st_pem, kdf_iterations=100000):
        # The fewest PBKDF2 rounds the HSM accepts: the VM has no KVM, and
        # the PIN's strength is not what these runs are about.
        d = self.path(name)
        run([SSPCTL, "hsm", "init", "--dir", d, "--series", series,
             "--key", self.path("oem.key"), "--nonce", self.path("oem.nonce"),
             "--counter", str(counter), "--st-key", st_pem, "--pin-file", self.pin_file,
             "--kdf-iterations", str(kdf_iterations)],
            check=True, env=self.env)
        return d

    def hsm_status(self, d):
        p = run([SSPCTL, "hsm", "status", "--dir", d, "--json"], check=True, env=self.env)
        return json.loads(p.stdout)

    def secrets_build(self, series):
        out = self.path(f"secrets-{series}.ssp")
        cmd = [SSPCTL, "secrets", "build", "--series", series,
               "--oem-key", self.path("oem0-pub.pem")]
        if series == "mp13":
            for i in range(1, MP13_TABLE_KEYS):
                cmd += ["--oem-key", self.path(f"oem{i}-pub.pem")]
        cmd += ["--rma-unlock", hex(RMA_UNLOCK), "--rma-relock", hex(RMA_RELOCK),
                "--secrets", self.path("secrets.bin"), "--key", self.path("oem.key"),
                "--nonce", self.path("oem.nonce"), "--out", out]
        run(cmd, check=True)
        return out

    def audit_records(self, hsm_dir, event=None):
        recs = []
        with open(os.path.join(hsm_dir, "audit.log")) as f:
            for line in f:
                r = json.loads(line)
                if event is None or r.get("event") == event:
                    recs.append(r)
        return recs

    # ---- provisioning ----
    def provision(self, series_inputs, devs=None, extra=(), timeout=900):
        """series_inputs: [(secrets, hsm_dir)]. Returns (rc, results by serial, events, stderr)."""
        cmd = [SSPCTL, "provision", *self.fw_args, "--pin-file", self.pin_file, "--json"]
        for sec, hsm in series_inputs:
            cmd += ["--secrets", sec, "--hsm", hsm]
        cmd += list(extra)
        cmd += devs if devs else ["--all"]
        p = run(cmd, timeout=timeout, env=self.env)
        events = []
        for line in p.stdout.splitlines():
            try:
                events.append(json.loads(line))
            except ValueError:
                pass
        results = {e.get("serial", e.get("dev")): e for e in events if e.get("event") == "result"}
        return p.returncode, results, events, p.stderr

    # ---- expectations ----
    def expected_pkh(self, series):
        if series == "mp15":
            return hashlib.sha256(pub_raw(self.oem[0])).digest()
        # MP13 PKHTH (spec 7.1): SHA-256 of the table of SHA-256(LE32(algo 1) || X || Y).
        table = [hashlib.sha256(struct.pack("<I", 1) + pub_raw(k)).digest() for k in self.oem]
        return hashlib.sha256(b"".join(table)).digest()

    def check_provisioned_otp(self, serial):
        """List of mismatches between the chip's OTP and the inputs ([] = all good)."""
        series = self.chips[serial]["series"]
        m = OTP[series]
        w = self.otp(serial)
        bad = []
        for i, v in enumerate(be_words(self.expected_pkh(series))):
            if w.get(PKH + i) != v:
                bad.append(f"PKH word {PKH + i}: 0x{w.get(PKH + i, 0):08X} != 0x{v:08X}")
        rma = (RMA_UNLOCK | RMA_RELOCK << 15) & m["rma_mask"]
        if w.get(RMA) != rma:
            bad.append(f"RMA word {RMA}: 0x{w.get(RMA, 0):08X} != 0x{rma:08X}")
        for i, v in enumerate(le_words(self.secrets)):
            if w.get(SECRETS + i) != v:
                bad.append(f"secret word {SECRETS + i}: 0x{w.get(SECRETS + i, 0):08X} != 0x{v:08X}")
        if not m["closed"](w.get(0, 0)):
            bad.append(f"not closed: word 0 = 0x{w.get(0, 0):08X}")
        if not w.get(m["ssp_word"], 0) & m["success"]:
            bad.append(f"SSP_SUCCESS not set: word {m['ssp_word']} = 0x{w.get(m['ssp_word'], 0):08X}")
        return bad

    def check_untouched_otp(self, serial):
        series = self.chips[serial]["series"]
        m = OTP[series]
        w = self.otp(serial)
        bad = []
        if w.get(m["ssp_word"], 0) & (m["req"] | m["success"]):
            bad.append(f"SSP word {m['ssp_word']} = 0x{w[m['ssp_word']]:08X}")
        for i in list(range(PKH, PKH + 8)) + [RMA] + list(range(SECRETS, SECRETS + 37)):
            if w.get(i, 0):
                bad.append(f"word {i} = 0x{w[i]:08X}")
        if m["closed"](w.get(0, 0)):
            bad.append("closed")
        return bad

    def close(self, keep=False):
        for s in list(self.sims):
            self.sim_stop(s)
        if not keep:
            shutil.rmtree(self.root, ignore_errors=True)


def main_wrapper(body):
    """Run body(tap, world); a crash is a failed test, the world is always torn down."""
    tap = Tap()
    world = None
    try:
        world = World(tap)
        body(tap, world)
    except Exception as e:  # noqa: BLE001 - any crash is a failure, reported as such
        tap.ok(False, f"test ran to the end ({type(e).__name__})", diag=str(e))
    finally:
        if world:
            world.close()
    sys.exit(tap.done())
