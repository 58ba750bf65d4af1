#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Known answers for the audit log's MAC (audit.h), computed with
python3-cryptography, independently of libssp: writes audit-mac.txt
("name hex" lines, like ssp-v1.txt)."""
import sys

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

oem_key = bytes(range(0x10, 0x20))
k_audit = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b"stm32-ssp audit-mac v1").derive(oem_key)
line = (b'{"seq":1,"time":"2026-11-30T12:00:00.000Z","event":"license","fields":{},'
        b'"prev":"' + b"0" * 64 + b'","hash":"' + b"a" * 64 + b'"')
h = hmac.HMAC(k_audit, hashes.SHA256())
h.update(line)
out = open(sys.argv[1] if len(sys.argv) > 1 else "audit-mac.txt", "w")
for name, val in (("audit.oem_key", oem_key), ("audit.mac_key", k_audit),
                  ("audit.line", line), ("audit.mac", h.finalize())):
    out.write("%s %s\n" % (name, val.hex()))
