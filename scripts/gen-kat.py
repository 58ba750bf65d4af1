#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Known-answer vectors for crypto profile ssp-v1, computed independently of
libssp with python3-cryptography (spec §4, §7.1, §7.2).

  scripts/gen-kat.py gen DIR        write DIR/ssp-v1.txt and the PEM key files
  scripts/gen-kat.py corpus DIR OUT write fuzz seeds OUT/<target>/<vector> from DIR
  scripts/gen-kat.py verify-cert ST_PUB_HEX CERT_FILE
  scripts/gen-kat.py verify-stm32 IMAGE_FILE

gen is deterministic: every key, nonce and ECDSA k is derived from a fixed
label, so re-running it reproduces the committed files byte for byte. The
verify commands let the C tests check libssp's own signatures with this
second implementation (exit 0 valid, 1 invalid, 77 when python3-cryptography
is missing, which the tests report as a skip).

The vector file holds lines "name hex" ('#' starts a comment); names are
unique, so the C test looks each one up by name.
"""
import hashlib
import os
import struct
import sys

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import (
        Prehashed, encode_dss_signature)
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
except ImportError:
    print("gen-kat: python3-cryptography is not installed", file=sys.stderr)
    sys.exit(77)

N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
CURVE = ec.SECP256R1()

LIC_NORMAL = 0x2E505353
LIC_LIVE = 0x4C505353
PAYLOAD_MAGIC = 0x50505353
STM32_MAGIC = 0x324D5453


def sha256(*parts):
    h = hashlib.sha256()
    for p in parts:
        h.update(p)
    return h.digest()


def fixed(label, n=32):
    """n deterministic bytes named by label."""
    out = b""
    i = 0
    while len(out) < n:
        out += sha256(b"ssp-kat:" + label.encode() + struct.pack(">I", i))
        i += 1
    return out[:n]


def priv_key(d):
    return ec.derive_private_key(int.from_bytes(d, "big"), CURVE)


def pub_raw(key):
    """64-byte X||Y of a private or public key."""
    if isinstance(key, ec.EllipticCurvePrivateKey):
        key = key.public_key()
    n = key.public_numbers()
    return n.x.to_bytes(32, "big") + n.y.to_bytes(32, "big")


def pub_from_raw(raw):
    return ec.EllipticCurvePublicKey.from_encoded_point(CURVE, b"\x04" + raw)


def scalar(label):
    """A valid P-256 scalar from label, by the key_from_seed rule below."""
    return key_from_seed(b"ssp-kat", label.encode())


def key_from_seed(label, seed):
    """libssp's ssp_ec_key_from_seed(): SHA-256(label||seed||ctr_be32), ctr from 0."""
    for ctr in range(64):
        d = sha256(label, seed, struct.pack(">I", ctr))
        v = int.from_bytes(d, "big")
        if 1 <= v < N:
            return d
    raise ValueError("no valid scalar")


def ecdh(d, peer_raw):
    return priv_key(d).exchange(ec.ECDH(), pub_from_raw(peer_raw))


def kdf(z):
    return sha256(z, b"\x00\x00\x00\x01") + sha256(z, b"\x00\x00\x00\x02")


def gcm_seal(key, iv, aad, pt):
    out = AESGCM(key).encrypt(iv, pt, aad)
    return out[:-16], out[-16:]


def ecdsa_sign(d, digest, k_label):
    """ECDSA with a fixed k, so the vectors are reproducible; r and s are
    computed here from the textbook formula, the point k*G by cryptography."""
    dv = int.from_bytes(d, "big")
    k = int.from_bytes(scalar(k_label), "big")
    r = int.from_bytes(pub_raw(priv_key(k.to_bytes(32, "big")))[:32], "big") % N
    e = int.from_bytes(digest, "big")
    s = pow(k, -1, N) * (e + r * dv) % N
    assert r and s
    sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    assert ecdsa_verify(pub_raw(priv_key(d)), digest, sig)
    return sig


def ecdsa_verify(pub, digest, sig):
    der = encode_dss_signature(int.from_bytes(sig[:32], "big"),
                               int.from_bytes(sig[32:], "big"))
    try:
        pub_from_raw(pub).verify(der, digest, ec.ECDSA(Prehashed(hashes.SHA256())))
        return True
    except (InvalidSignature, ValueError):
        return False


def license_make(chip_pub, oem_key, nonce, ltype, sid, fsbl_min, eph_d):
    hdr = struct.pack("<IIII", ltype, sid, 1, fsbl_min) + bytes(8) + pub_raw(priv_key(eph_d))
    k = kdf(ecdh(eph_d, chip_pub))
    ct, tag = gcm_seal(k[0:16], k[16:28], hdr + k[32:64], nonce + oem_key)
    lic = hdr + ct + tag
    assert len(lic) == 136
    return lic


def payload_seal(key_field, rma, secrets, oem_key, nonce, size=None):
    pt = struct.pack("<I", rma) + secrets
    if size is None:
        size = len(pt)
    pt = pt[:size]
    aad = struct.pack("<II", PAYLOAD_MAGIC, 1) + key_field + struct.pack("<I", size)
    ct, tag = gcm_seal(oem_key, nonce[:12], aad, pt)
    return aad + tag + ct + bytes(152 - len(ct))


def mp13_key_hash(pub, algo=1):
    """An MP13 key-hash table entry: SHA-256(LE32(algo) || X || Y) (§A.6)."""
    return sha256(struct.pack("<I", algo), pub)


def pkhth(keys):
    """MP13 oem_rpkth, the PKHTH: SHA-256 of the table of key hashes, in table order."""
    return sha256(b"".join(mp13_key_hash(k) for k in keys))


# image-header-and-otp.md §A.8, with the P-256 generator G as the key: the
# generator checks its own formulas against the spec's values before it writes.
SPEC_G = bytes.fromhex(
    "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
    "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5")
SPEC_A8 = {
    "mp15_pkh": "d875db7def232236aec738c6b0bb3e80142f5d0fd8f4df24fed6eef5cbb50d9f",
    "mp13_pk_hash": "d4135802721a9179460fdd49af6bfe21e05698ff49538ebdd7f34a535f175386",
    "pkhth1": "a208952e1c4b33d698acf55f36e63fd2caafa4c262d56a0a9d05a883788d0dcf",
    "pkhth8": "84ac9af8cf92c62496bc3eaac50dc5fbe8d69ae17f0bf52209a6986c407425d3",
}


def check_spec_a8():
    assert pub_raw(priv_key((1).to_bytes(32, "big"))) == SPEC_G
    assert sha256(SPEC_G).hex() == SPEC_A8["mp15_pkh"]
    assert mp13_key_hash(SPEC_G).hex() == SPEC_A8["mp13_pk_hash"]
    assert pkhth([SPEC_G]).hex() == SPEC_A8["pkhth1"]
    assert pkhth([SPEC_G] * 8).hex() == SPEC_A8["pkhth8"]


def cert_build(chip_id, counter, key_index, chip_pub, st_d):
    body = ("%03X%02X0%02X" % (chip_id, counter, key_index)).encode() + chip_pub
    return body + ecdsa_sign(st_d, sha256(body), "cert-k")


def stm32_build(d, payload, entry, load, imgver, bintype, k_label):
    hdr = bytearray(256)
    struct.pack_into("<I", hdr, 0, STM32_MAGIC)
    struct.pack_into("<I", hdr, 68, sum(payload) & 0xFFFFFFFF)
    struct.pack_into("<IIIxxxxIxxxxIII", hdr, 72, 0x00010000, len(payload), entry, load,
                     imgver, 0, 1)
    hdr[108:172] = pub_raw(priv_key(d))
    hdr[255] = bintype
    hdr[4:68] = ecdsa_sign(d, sha256(bytes(hdr[72:]), payload), k_label)
    return bytes(hdr) + payload


def stm32_build_v2(d, table_keys, pk_idx, payload, entry, load, imgver, bintype, k_label):
    """STM32 header v2.0 (§A.3, §A.6): base header, authentication extension
    with the key-hash table, padding extension to 512 bytes, signed over
    header[72..512) || payload (the INFERRED v2.0 range of §A.8)."""
    hdr = bytearray(512)
    pub = pub_raw(priv_key(d))
    assert table_keys[pk_idx] == pub
    struct.pack_into("<I", hdr, 0, STM32_MAGIC)
    struct.pack_into("<I", hdr, 68, sum(payload) & 0xFFFFFFFF)
    struct.pack_into("<IIIIIIIIII", hdr, 72, 0x00020000, len(payload), entry, 0, load, 0,
                     imgver, 0x80000001, 0x180, bintype)
    auth = struct.pack("<III", pk_idx, len(table_keys), 1) + pub
    auth += b"".join(mp13_key_hash(k) for k in table_keys)
    auth = struct.pack("<II", 0x02005453, 8 + len(auth)) + auth
    pad = struct.pack("<II", 0xFFFF5453, 0x180 - len(auth))
    hdr[128:128 + len(auth)] = auth
    hdr[128 + len(auth):128 + len(auth) + 8] = pad
    hdr[4:68] = ecdsa_sign(d, sha256(bytes(hdr[72:]), payload), k_label)
    return bytes(hdr) + payload


def gen(outdir):
    check_spec_a8()
    v = []

    def put(name, value):
        if isinstance(value, int):
            value = struct.pack(">I", value)
        v.append((name, value.hex()))

    def comment(text):
        v.append(("#", text))

    comment("X9.63 KDF, SHA-256, empty SharedInfo: K = SHA256(Z||1) || SHA256(Z||2)")
    z = fixed("kdf.z")
    put("kdf.z", z)
    put("kdf.k", kdf(z))

    comment("ECDH P-256: Z = X coordinate of a*B")
    a, b = scalar("ecdh.a"), scalar("ecdh.b")
    put("ecdh.priv", a)
    put("ecdh.pub", pub_raw(priv_key(a)))
    put("ecdh.peer", pub_raw(priv_key(b)))
    put("ecdh.z", ecdh(a, pub_raw(priv_key(b))))

    comment("ssp_ec_key_from_seed: scalar = SHA256(label || seed || counter_be32)")
    label, seed = b"sspsim chip key", fixed("seed.seed", 12)
    d = key_from_seed(label, seed)
    put("seed.label", label)
    put("seed.seed", seed)
    put("seed.priv", d)
    put("seed.pub", pub_raw(priv_key(d)))

    comment("AES-128-GCM, 96-bit IV, 16-byte tag")
    for name, ptlen, aadlen in (("gcm1", 32, 120), ("gcm2", 152, 76), ("gcm3", 0, 44)):
        key, iv = fixed(name + ".key", 16), fixed(name + ".iv", 12)
        aad, pt = fixed(name + ".aad", aadlen), fixed(name + ".pt", ptlen)
        ct, tag = gcm_seal(key, iv, aad, pt)
        for f, val in (("key", key), ("iv", iv), ("aad", aad), ("pt", pt), ("ct", ct),
                       ("tag", tag)):
            put("%s.%s" % (name, f), val)

    comment("ECDSA P-256 over a SHA-256 digest, raw r||s, signed by python")
    d = scalar("ecdsa.key")
    digest = sha256(b"ssp-v1 ecdsa vector")
    put("ecdsa.priv", d)
    put("ecdsa.pub", pub_raw(priv_key(d)))
    put("ecdsa.digest", digest)
    put("ecdsa.sig", ecdsa_sign(d, digest, "ecdsa-k"))

    comment("License (spec 4.2, 7.1): chip key, fixed ephemeral key")
    chip_d = scalar("chip")
    chip_pub = pub_raw(priv_key(chip_d))
    oem_key = fixed("oem.key", 16)
    nonce = fixed("oem.nonce", 12) + bytes(4)
    put("chip.priv", chip_d)
    put("chip.pub", chip_pub)
    put("oem.key", oem_key)
    put("oem.nonce", nonce)
    eph = scalar("lic.eph")
    put("lic.eph", eph)
    put("lic.fsbl_min", 0x00000003)
    put("lic.normal", license_make(chip_pub, oem_key, nonce, LIC_NORMAL, 0, 3, eph))
    put("lic.live_sid", 0x12345678)
    put("lic.live", license_make(chip_pub, oem_key, nonce, LIC_LIVE, 0x12345678, 3, eph))
    comment("authentic license whose nonce has a non-zero tail: not ssp-v1")
    put("lic.badnonce", license_make(chip_pub, oem_key, nonce[:12] + b"\x00\x00\x00\x01",
                                     LIC_NORMAL, 0, 3, eph))

    comment("Payload MP15 (244 bytes): RMA word || 148 secret bytes")
    oem_pub = pub_raw(priv_key(scalar("oem.ecdsa")))
    rma = (0x1234 & 0x7FFF) | ((0x5678 & 0x7FFF) << 15)
    secrets = fixed("secrets", 148)
    put("pl15.oem_pub", oem_pub)
    put("pl15.rma", rma)
    put("pl15.secrets", secrets)
    put("pl15.payload", payload_seal(oem_pub, rma, secrets, oem_key, nonce))

    comment("Payload MP13 (212 bytes): a table of 3 OEM keys, RMA word || 20 secret bytes")
    keys = [pub_raw(priv_key(scalar("oem13.%d" % i))) for i in range(3)]
    for i in range(3):
        put("pl13.key%d" % i, keys[i])
    r = pkhth(keys)
    secrets13 = fixed("secrets13", 20)
    put("pl13.rpkth", r)
    put("pl13.rma", rma)
    put("pl13.secrets", secrets13)
    put("pl13.payload", payload_seal(r, rma, secrets13, oem_key, nonce))

    comment("MP13 PKHTH (spec 7.1): 8 OEM keys, H_i = SHA-256(LE32(1)||X_i||Y_i), PKHTH = SHA-256(H_0..H_7)")
    keys8 = [pub_raw(priv_key(scalar("pkhth.%d" % i))) for i in range(8)]
    for i in range(8):
        put("pkhth8.key%d" % i, keys8[i])
    put("pkhth8.table", b"".join(mp13_key_hash(k) for k in keys8))
    put("pkhth8.pkhth", pkhth(keys8))
    put("pkhth1.pkhth", pkhth(keys8[:1]))

    comment("Payload MP15 with oem_secret_size_bytes = 2: a partial RMA word")
    put("plsize2.payload", payload_seal(oem_pub, 0xBEEF, b"", oem_key, nonce, size=2))

    comment("Chip certificate (spec 4.1), signed by a test ST key with python")
    st_d = scalar("st")
    put("st.priv", st_d)
    put("st.pub", pub_raw(priv_key(st_d)))
    put("cert.cert", cert_build(0x500, 0x02, 0x0A, chip_pub, st_d))
    put("cert.product_id", b"5000200A")

    comment("STM32 header v1 (spec 7.2) + 300-byte payload, signed by python")
    fw_d = scalar("fw")
    fw_payload = fixed("fw.payload", 300)
    put("fw.priv", fw_d)
    put("fw.payload", fw_payload)
    put("fw.entry", 0x2FFC2500)
    put("fw.load", 0x2FFC2400)
    put("fw.imgver", 7)
    put("fw.image", stm32_build(fw_d, fw_payload, 0x2FFC2500, 0x2FFC2400, 7, 0x10, "fw-k"))

    comment("STM32 header v2.0 (MP13), signed with pkhth8 key 2, table of the 8 pkhth8 keys,")
    comment("over header[72..512) || payload (INFERRED range); 300-byte payload + 12 bytes padding")
    fw2_d = scalar("pkhth.2")
    fw2_payload = fixed("fw2.payload", 300)
    put("fw2.priv", fw2_d)
    put("fw2.entry", 0x2FFE0000)
    put("fw2.image", stm32_build_v2(fw2_d, keys8, 2, fw2_payload, 0x2FFE0000, 0, 3, 0x10,
                                    "fw2-k") + bytes(12))

    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "ssp-v1.txt"), "w") as f:
        f.write("# SPDX-License-Identifier: GPL-2.0-only\n")
        f.write("# ssp-v1 known-answer vectors, generated by scripts/gen-kat.py with\n")
        f.write("# python3-cryptography; test keys only. Multi-byte integers are big-endian\n")
        f.write("# u32 here, whatever their order on the wire.\n")
        for name, val in v:
            f.write("# %s\n" % val if name == "#" else "%s %s\n" % (name, val))

    # PEM files for the key-file readers: SPKI public, PKCS#8 and SEC1 private.
    st = priv_key(st_d)
    pem = {
        "st-pub.pem": st.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
        "st-priv-pkcs8.pem": st.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()),
        "st-priv-sec1.pem": st.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption()),
        # A valid key on the wrong curve, which the readers must refuse.
        "p384-pub.pem": ec.derive_private_key(
            int.from_bytes(fixed("p384"), "big"), ec.SECP384R1()).public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
    }
    for name, data in pem.items():
        with open(os.path.join(outdir, name), "wb") as f:
            # PEM readers skip text before the BEGIN line.
            f.write(b"# SPDX-License-Identifier: GPL-2.0-only\n"
                    b"# Test key of scripts/gen-kat.py: never use it for a real product.\n")
            f.write(data)


# Fuzz target -> the vectors that seed its corpus.
CORPUS = {
    "fuzz_cert": ["cert.cert"],
    "fuzz_license": ["lic.normal", "lic.live", "lic.badnonce"],
    "fuzz_payload": ["pl15.payload", "pl13.payload", "plsize2.payload"],
    "fuzz_stm32": ["fw.image", "fw2.image"],
}


def corpus(katdir, outdir):
    vec = {}
    with open(os.path.join(katdir, "ssp-v1.txt")) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                parts = line.split()
                vec[parts[0]] = bytes.fromhex(parts[1] if len(parts) > 1 else "")
    for target, names in CORPUS.items():
        os.makedirs(os.path.join(outdir, target), exist_ok=True)
        for name in names:
            with open(os.path.join(outdir, target, name), "wb") as f:
                f.write(vec[name])


def verify_cert(st_pub_hex, path):
    cert = open(path, "rb").read()
    if len(cert) != 136:
        return False
    return ecdsa_verify(bytes.fromhex(st_pub_hex), sha256(cert[:72]), cert[72:])


def verify_stm32(path):
    """v1.0: key in the header, signed header[72..256) || payload; v2.0/v2.2:
    key in the first (authentication) extension, signed header[72..128+ext_len)
    || payload. Trailing bytes after the payload are padding."""
    img = open(path, "rb").read()
    if len(img) < 128 or struct.unpack_from("<I", img, 0)[0] != STM32_MAGIC:
        return False
    hv, length = struct.unpack_from("<II", img, 72)
    if hv == 0x00010000:
        hsize, pub = 256, img[108:172]
    elif hv in (0x00020000, 0x00020200):
        (ext_len,) = struct.unpack_from("<I", img, 104)
        hsize = 128 + ext_len
        if hsize > len(img) or struct.unpack_from("<I", img, 128)[0] != 0x02005453:
            return False
        pub = img[128 + 20:128 + 84]
    else:
        return False
    payload = img[hsize:hsize + length]
    if len(payload) != length or struct.unpack_from("<I", img, 68)[0] != sum(payload) & 0xFFFFFFFF:
        return False
    return ecdsa_verify(pub, sha256(img[72:hsize], payload), img[4:68])


def main(argv):
    if len(argv) == 3 and argv[1] == "gen":
        gen(argv[2])
        return 0
    if len(argv) == 4 and argv[1] == "corpus":
        corpus(argv[2], argv[3])
        return 0
    if len(argv) == 4 and argv[1] == "verify-cert":
        return 0 if verify_cert(argv[2], argv[3]) else 1
    if len(argv) == 3 and argv[1] == "verify-stm32":
        return 0 if verify_stm32(argv[2]) else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
