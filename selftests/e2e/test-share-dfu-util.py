#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Sharing chips with dfu-util (issue 9), with stm32_ssp.ko loaded all along:
`sspctl release` hands a chip's port to other tools (its /dev/sspN ends, an
open file gets ENODEV, the interface is unbound), dfu-util then lists the
chip, uploads GetPhase and downloads a firmware to it; the chip's
re-enumeration on that port stays unbound and `sspctl watch`, running,
leaves it alone; `sspctl claim` takes the port back and the new /dev/sspN
answers GET_PHASE. The ignore_ports parameter keeps a chip plugged on its
port unbound from the start. Every error path names its errno; the
parameter and the released ports are restored whatever happens."""
import array
import errno
import fcntl
import glob
import json
import os
import signal
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from e2e_lib import SSPCTL, SSPSIM, main_wrapper, run  # noqa: E402

PARAM = "/sys/module/stm32_ssp/parameters/ignore_ports"
PHASE_SIZE = 32 + 512                     # struct stm32_ssp_phase
IOC_GET_PHASE = (3 << 30) | (PHASE_SIZE << 16) | (0xBA << 8) | 0x01
USBDEVFS_CLAIMINTERFACE = 0x8004550F      # _IOR('U', 15, unsigned int)
ROM_GETPHASE_MP15 = bytes.fromhex("010024fc2f00000000")


def get_phase(fd):
    """GET_PHASE on an open /dev/sspN: (0, reply) or (errno, None)."""
    buf = array.array("B", struct.pack("<8I", PHASE_SIZE, 0, 0, 0, 0, 0, 0, 0) + bytes(512))
    try:
        fcntl.ioctl(fd, IOC_GET_PHASE, buf, True)
    except OSError as e:
        return e.errno, None
    reply_len = struct.unpack_from("<I", buf, 24)[0]
    return 0, bytes(buf[32:32 + reply_len])


def slot_on(w, port):
    return [d for d in w.list_devices() if d["port"] == port]


def bound_driver(port):
    """Driver of interface 0 of the USB device on port, '' when unbound, None when no device."""
    d = f"/sys/bus/usb/devices/{port}:1.0"
    if not os.path.isdir(d):
        return None
    link = os.path.join(d, "driver")
    return os.path.basename(os.readlink(link)) if os.path.islink(link) else ""


def wait_for(cond, timeout=30):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.2)
    return cond()


def usb_attr(port, name):
    try:
        with open(f"/sys/bus/usb/devices/{port}/{name}") as f:
            return f.read().strip()
    except OSError:
        return None


def ports_json():
    return json.loads(run([SSPCTL, "ports", "--json"], check=True).stdout)


def body(tap, w):
    with open(PARAM) as f:
        saved_param = f.read().strip()
    released = []
    try:
        scenario(tap, w, released)
    finally:
        for port in released:
            run([SSPCTL, "claim", "--no-wait", port])
        with open(PARAM, "w") as f:
            f.write(saved_param or ",")
        with open(PARAM) as f:
            tap.ok(f.read().strip() == saved_param, "ignore_ports restored")


def scenario(tap, w, released):
    _, (serial,) = w.sim_start("rel", "mp15", 1)
    dev = next(d for d in w.list_devices() if d["serial"] == serial)
    port, name = dev["port"], dev["dev"]
    tap.note(f"chip {serial} on /dev/{name}, port {port}")
    fd = os.open(f"/dev/{name}", os.O_RDWR)
    try:
        rc, reply = get_phase(fd)
        tap.ok(rc == 0 and reply[:9] == ROM_GETPHASE_MP15, "bound: GET_PHASE answers on /dev/" + name,
               diag=f"errno {rc}, reply {reply and reply.hex()}")
        tap.ok(bound_driver(port) == "stm32_ssp", "bound: stm32_ssp holds the interface")

        # Input checks: nothing changes on a bad argument, each error names the cause.
        p = run([SSPCTL, "release", "1-0"])
        tap.ok(p.returncode == 1 and "\"1-0\" is not a USB port path" in p.stderr,
               "release 1-0: refused in userspace, names the argument", diag=p.stderr)
        p = run([SSPCTL, "release", "ssp250"])
        tap.ok(p.returncode == 1 and "ssp250: no such chip" in p.stderr,
               "release of an unknown device: refused, names it", diag=p.stderr)
        nobody = run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                      "--inh-caps=-all", "--bounding-set=-all", SSPCTL, "release", port])
        tap.ok(nobody.returncode == 1 and "Operation not permitted" in nobody.stderr and
               "CAP_NET_ADMIN" in nobody.stderr and slot_on(w, port),
               "release without CAP_NET_ADMIN: EPERM, the chip stays bound", diag=nobody.stderr)

        p = run([SSPCTL, "release", name])
        released.append(port)
        tap.ok(p.returncode == 0 and port in p.stdout, f"release {name}: port {port} released",
               diag=p.stdout + p.stderr)
        rc, _ = get_phase(fd)
        tap.ok(rc == errno.ENODEV, "released: the open file gets ENODEV", diag=f"errno {rc}")
    finally:
        os.close(fd)
    tap.ok(not slot_on(w, port) and not os.path.exists(f"/dev/{name}"),
           f"released: no slot on {port}, /dev/{name} is gone", diag=w.list_devices())
    tap.ok(bound_driver(port) == "", "released: the interface is unbound", diag=bound_driver(port))
    tap.ok(ports_json() == [{"port": port, "ignored": False, "released": True}],
           "sspctl ports lists the released port", diag=ports_json())
    p = run([SSPCTL, "release", port])
    tap.ok(p.returncode == 0, "releasing a released port again is not an error", diag=p.stderr)

    # sspctl watch runs from here on: it must leave the released chip alone.
    h15 = w.hsm_init("hsm15", "mp15", 10, w.st_pub)
    conf = w.path("sspctl.conf")
    with open(conf, "w") as f:
        f.write(f"[hsm]\npin-file = {w.pin_file}\n\n[provision]\nfirmware = {w.fw}\njobs = 0\n\n"
                f"[mp15]\nhsm = {h15}\nsecrets = {w.secrets_build('mp15')}\n")
    watch = subprocess.Popen([SSPCTL, "watch", "--config", conf, "--json"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=w.env)
    try:
        dfu_part(tap, w, serial, port)
    finally:
        watch.send_signal(signal.SIGTERM)
        try:
            wout, werr = watch.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            watch.kill()
            wout, werr = watch.communicate()
    touched = [line for line in wout.splitlines() if serial in line or f'"{port}"' in line]
    tap.ok(watch.returncode == 0 and not touched,
           "watch ran all along and never touched the released chip", diag="\n".join(touched) + werr)
    # (Its OTP is not checked: the firmware dfu-util started is an SSP
    # firmware, which flags the SSP request itself.)
    st = w.hsm_status(h15)
    tap.ok(st.get("remaining") == 10 and not w.audit_records(h15, "license") and
           not w.audit_records(h15, "provision"),
           "watch asked no license and recorded no run for it", diag=st)

    # A tool holding the interface (usbfs, as libusb does) makes the claim EBUSY.
    node = "/dev/bus/usb/%03d/%03d" % (int(usb_attr(port, "busnum")), int(usb_attr(port, "devnum")))
    ufd = os.open(node, os.O_RDWR)
    try:
        fcntl.ioctl(ufd, USBDEVFS_CLAIMINTERFACE, struct.pack("I", 0))
        p = run([SSPCTL, "claim", port], timeout=60)
        held = ports_json()
    finally:
        os.close(ufd)
    tap.ok(p.returncode == 1 and "Device or resource busy" in p.stderr and "close the tool" in p.stderr
           and held == [{"port": port, "ignored": False, "released": True}],
           "claim while a tool holds the chip: EBUSY, says why, the port stays released",
           diag=p.stderr + str(held))

    # Claim it back: a new slot, and /dev/sspN answers the chip.
    p = run([SSPCTL, "claim", port], timeout=120)
    released.remove(port)
    devs = slot_on(w, port)
    tap.ok(p.returncode == 0 and len(devs) == 1 and devs[0]["serial"] == serial,
           f"claim {port}: the chip gets a /dev/sspN again", diag=p.stdout + p.stderr)
    if devs:
        fd = os.open(f"/dev/{devs[0]['dev']}", os.O_RDWR)
        rc, reply = get_phase(fd)
        os.close(fd)
        tap.ok(rc == 0 and reply and len(reply) >= 9, f"claimed: /dev/{devs[0]['dev']} answers GET_PHASE",
               diag=f"errno {rc}")
    tap.ok(ports_json() == [], "sspctl ports: nothing left to other tools", diag=ports_json())

    ignore_part(tap, w, port)


def dfu_part(tap, w, serial, port):
    lst = run(["dfu-util", "-l"], timeout=60)
    tap.ok(f'serial="{serial}"' in lst.stdout and "@virtual /0xF1" in lst.stdout,
           "dfu-util -l lists the released chip and its alternates", diag=lst.stdout + lst.stderr)
    out = w.path("phase.bin")
    p = run(["dfu-util", "-S", serial, "-a", "5", "-t", "512", "-U", out], timeout=60)
    data = open(out, "rb").read() if os.path.exists(out) else b""
    tap.ok(data[:9] == ROM_GETPHASE_MP15, f"dfu-util uploads GetPhase: {len(data)} bytes",
           diag=p.stdout + p.stderr)
    fw = w.path("tool-fw.stm32")
    run([SSPSIM, "mkfw", "--out", fw], check=True)
    devnum = usb_attr(port, "devnum")
    p = run(["dfu-util", "-S", serial, "-a", "1", "-D", fw], timeout=120)
    # The MP15 ROM starts the image on the same USB device: GetPhase now
    # gets TF-A's answer (the last GETSTATUS of the download may fail).
    tfa = b"\xff" * 5 + bytes(4) + b"Provisioning"
    got = b""
    for _ in range(50):
        q = run(["dfu-util", "-S", serial, "-a", "5", "-t", "512", "-U", out + ".2"], timeout=60)
        got = open(out + ".2", "rb").read() if os.path.exists(out + ".2") else b""
        if got.startswith(tfa):
            break
        if os.path.exists(out + ".2"):
            os.unlink(out + ".2")
        time.sleep(0.2)
    tap.ok(got.startswith(tfa), "dfu-util downloads a firmware to the released chip and it starts",
           diag=p.stdout + p.stderr + q.stdout + q.stderr + got.hex())
    # The tool resets the chip: it re-enumerates on the same port, and stays unbound.
    run(["dfu-util", "-S", serial, "-a", "5", "-e"], timeout=60)
    again = wait_for(lambda: usb_attr(port, "devnum") not in (None, devnum) and
                     bound_driver(port) is not None, 30)
    time.sleep(2)       # time for a (wrong) probe to bind it
    tap.ok(again and bound_driver(port) == "" and not slot_on(w, port),
           "the chip re-enumerated on the released port and stays unbound",
           diag=f"devnum {devnum} -> {usb_attr(port, 'devnum')}, driver {bound_driver(port)!r}")


def ignore_part(tap, w, port):
    # A chip bound now stays bound when its port is added (next probe only).
    with open(PARAM, "w") as f:
        f.write(f"{port}, 3-4.1\n")
    with open(PARAM) as f:
        tap.ok(f.read().strip() == f"{port},3-4.1", "ignore_ports takes a list, read back normalised")
    tap.ok(len(slot_on(w, port)) == 1, "ignore_ports: the chip bound now stays bound")
    try:
        with open(PARAM, "w") as f:
            f.write("1-1,0-2")
        err = 0
    except OSError as e:
        err = e.errno
    with open(PARAM) as f:
        kept = f.read().strip()
    tap.ok(err == errno.EINVAL and kept == f"{port},3-4.1",
           "ignore_ports: a bad port is EINVAL and changes nothing", diag=f"errno {err}, {kept}")
    p = run([SSPCTL, "release", port])
    p2 = run([SSPCTL, "claim", port])
    tap.ok(p.returncode == 0 and p2.returncode == 1 and "ignore_ports" in p2.stderr and
           "Permission denied" in p2.stderr, "claim of a port in ignore_ports: EACCES, says why",
           diag=p2.stderr)
    tap.ok(ports_json() == [{"port": port, "ignored": True, "released": True},
                            {"port": "3-4.1", "ignored": True, "released": False}],
           "sspctl ports: both reasons", diag=ports_json())
    # Unplug; a new chip plugged on the same port stays unbound from the start.
    w.sim_stop("rel")
    wait_for(lambda: bound_driver(port) is None, 30)
    with open(PARAM, "w") as f:
        f.write(port)
    p = run([SSPCTL, "claim", port])
    tap.ok(p.returncode == 1 and "Permission denied" in p.stderr, "still ignored: claim refused")
    _, (other,) = w.sim_start("ign", "mp15", 1, wait=False)
    plugged = wait_for(lambda: usb_attr(port, "serial") == other, 60)
    time.sleep(2)
    tap.ok(plugged and bound_driver(port) == "" and not slot_on(w, port),
           f"ignore_ports: a chip plugged on {port} is never bound",
           diag=f"serial {usb_attr(port, 'serial')} (want {other}), driver {bound_driver(port)!r}, "
                f"ports {glob.glob('/sys/bus/usb/devices/*-*')}")
    lst = run(["dfu-util", "-l"], timeout=60)
    tap.ok(f'serial="{other}"' in lst.stdout, "dfu-util lists the ignored chip")
    with open(PARAM, "w") as f:
        f.write(",")
    p = run([SSPCTL, "claim", port], timeout=120)
    tap.ok(p.returncode == 0 and slot_on(w, port), "out of ignore_ports, claim binds it",
           diag=p.stdout + p.stderr)


main_wrapper(body)
