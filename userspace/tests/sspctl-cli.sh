#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# userspace/tests/sspctl-cli.sh SSPCTL: the command line of `sspctl hsm`,
# `sspctl secrets` and `sspctl audit` (exit codes, messages, files written),
# end to end on a temporary directory. Certificates are made here with
# python3-cryptography and a throwaway ST key, independently of libssp.
# Prints TAP.
set -u

SSPCTL=$(realpath "$1")
KAT=$(dirname "$(realpath "$0")")/kat
T=$(mktemp -d /tmp/ssp-cli-XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
n=0
fails=0
export SSP_HSM_PIN=
unset SSP_HSM_PIN

ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
# check NAME EXPECTED_STATUS REGEX CMD...: status and a stderr+stdout match.
check() {
	local name=$1 want=$2 re=$3 st
	shift 3
	"$@" >out.txt 2>&1
	st=$?
	if [[ $st -eq $want ]] && grep -Eq -- "$re" out.txt; then
		ok "$name"
	else
		nok "$name"
		echo "# exit $st (wanted $want), output:"
		sed 's/^/#   /' out.txt
	fi
}
# expect NAME CONDITION...: a shell test.
expect() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else nok "$name"; fi
}
# hex FILE [SKIP [COUNT]]: the bytes as one line of lowercase hex (od is in
# coreutils; xxd is not on a fresh Debian).
hex() { od -An -v -tx1 -j "${2:-0}" ${3:+-N "$3"} "$1" | tr -d ' \n'; }
remaining() { "$SSPCTL" hsm status --dir "$1" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["remaining"])'; }

cat >tool.py <<'EOF'
import sys
from cryptography.hazmat.primitives.asymmetric import ec, utils
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

def raw(pub):
    n = pub.public_numbers()
    return n.x.to_bytes(32, 'big') + n.y.to_bytes(32, 'big')

cmd = sys.argv[1]
if cmd == 'key':            # key PRIV.pem PUB.pem
    k = ec.generate_private_key(ec.SECP256R1())
    open(sys.argv[2], 'wb').write(k.private_bytes(serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    open(sys.argv[3], 'wb').write(k.public_key().public_bytes(serialization.Encoding.PEM,
        serialization.PublicFormat.SubjectPublicKeyInfo))
elif cmd == 'cert':         # cert ST_PRIV.pem CHIP_ID KEY_INDEX OUT
    st = serialization.load_pem_private_key(open(sys.argv[2], 'rb').read(), None)
    chip = ec.generate_private_key(ec.SECP256R1())
    body = ('%03X02%s%02X' % (int(sys.argv[3], 0), '0', int(sys.argv[4], 0))).encode() + raw(chip.public_key())
    r, s = utils.decode_dss_signature(st.sign(body, ec.ECDSA(hashes.SHA256())))
    open(sys.argv[5], 'wb').write(body + r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))
elif cmd == 'open':         # open FILE.ssp KEY NONCE SERIES -> prints rma word hex and secrets hex
    p = open(sys.argv[2], 'rb').read()
    key = open(sys.argv[3], 'rb').read()
    iv = open(sys.argv[4], 'rb').read()[:12]
    klen = 64 if sys.argv[5] == 'mp15' else 32
    size = int.from_bytes(p[8 + klen:12 + klen], 'little')
    tag = p[12 + klen:28 + klen]
    ct = p[28 + klen:28 + klen + size]
    pt = AESGCM(key).decrypt(iv, ct + tag, p[:12 + klen])
    print(pt[:4][::-1].hex(), pt[4:].hex())
elif cmd == 'pkh':          # pkh PUB.pem -> hex of the 64-byte raw key
    pub = serialization.load_pem_public_key(open(sys.argv[2], 'rb').read())
    print(raw(pub).hex())
elif cmd == 'pkhth':        # pkhth PUB.pem... -> MP13 PKHTH of the keys in table order
    import hashlib, struct
    table = b''.join(hashlib.sha256(struct.pack('<I', 1) + raw(serialization.load_pem_public_key(
        open(f, 'rb').read()))).digest() for f in sys.argv[2:])
    print(hashlib.sha256(table).hexdigest())
elif cmd == 'a12':          # a12 OUT: the unsigned v2.0 image of image-header-and-otp.md A.12
    import hashlib, struct
    img = bytearray(516)
    img[0:4] = b'STM2'
    struct.pack_into('<IIIIIIIIIII', img, 68, 0x2a4, 0x00020000, 4, 0x2ffe0001, 0, 0x2ffe0000, 0,
                     0, 0x80000000, 0x180, 0x10)
    img[128:136] = b'ST\xff\xff' + struct.pack('<I', 0x180)
    img[512:516] = bytes.fromhex('00bffee7')
    assert hashlib.sha256(img).hexdigest() == 'a0b17e54bf2704f97ae498d3a312e22972be47f655491a191f7290d4c63cbee0'
    open(sys.argv[2], 'wb').write(img)
elif cmd == 'kat':          # kat VECTORS NAME OUT: one vector of scripts/gen-kat.py as a file
    for line in open(sys.argv[2]):
        if line.split(' ')[0] == sys.argv[3]:
            open(sys.argv[4], 'wb').write(bytes.fromhex(line.split()[1]))
EOF

python3 tool.py key st.key st.pub
python3 tool.py key st2.key st2.pub
python3 tool.py key oem.key oem.pub
python3 tool.py cert st.key 0x500 0xA cert.bin
for i in 2 3 4; do python3 tool.py cert st.key 0x500 0xA cert$i.bin; done
python3 tool.py cert st.key 0x501 0xA cert13.bin
python3 tool.py cert st2.key 0x500 0xA cert-badsig.bin
head -c 135 cert.bin >cert-short.bin
head -c 16 /dev/urandom >key.bin
{ head -c 12 /dev/urandom; printf '\0\0\0\0'; } >nonce.bin
{ head -c 12 /dev/urandom; printf '\0\0\0\1'; } >nonce-bad.bin
head -c 15 /dev/urandom >key15.bin
printf 'correct horse\n' >pin
printf 'wrong horse\n' >pin-bad
chmod 600 pin pin-bad
KDF=(--kdf-iterations 100000)

# --- the program ---
check "no arguments is a usage error (exit 2)" 2 "usage: sspctl" "$SSPCTL"
check "--help lists the hsm, secrets and audit commands" 0 "hsm .*secrets|secrets" "$SSPCTL" --help
expect "--help lists audit, hsm and secrets" bash -c "'$SSPCTL' --help | grep -q '^  audit' && '$SSPCTL' --help | grep -q '^  hsm' && '$SSPCTL' --help | grep -q '^  secrets'"
check "--version prints the version and crypto profile" 0 "^sspctl .*ssp-v1" "$SSPCTL" --version
check "an unknown command is a usage error naming it" 2 'unknown command "frobnicate"' "$SSPCTL" frobnicate
for c in hsm secrets audit fw; do
	expect "sspctl $c --help fits on one screen (<= 24 lines of <= 80 columns)" \
		bash -c "'$SSPCTL' $c --help | awk 'length > 80 { bad = 1 } END { exit bad || NR > 24 || NR < 3 }'"
done

# --- hsm init ---
check "hsm init without --dir is a usage error" 2 "--dir DIR is required" \
	"$SSPCTL" hsm init --series mp15 --key key.bin --nonce nonce.bin --counter 3 --st-key st.pub
check "hsm init with a non-numeric --counter is a usage error" 2 '--counter "ten" is not a number' \
	"$SSPCTL" hsm init --dir h --series mp15 --key key.bin --nonce nonce.bin --counter ten --st-key st.pub
check "hsm init with an unknown option is a usage error naming it" 2 'unknown option "--frob"' \
	"$SSPCTL" hsm init --dir h --frob
check "hsm init with an option of another subcommand is a usage error" 2 "--cert does not apply" \
	"$SSPCTL" hsm init --dir h --cert cert.bin
check "hsm init without a PIN refuses and says how to give one" 2 "SSP_HSM_PIN" \
	"$SSPCTL" hsm init --dir h --series mp15 --key key.bin --nonce nonce.bin --counter 3 --st-key st.pub
expect "hsm init without a PIN creates nothing" test ! -e h
check "hsm init refuses a nonce whose last 4 bytes are not zero" 1 "last 4 bytes are not zero" \
	"$SSPCTL" hsm init --dir h --series mp15 --key key.bin --nonce nonce-bad.bin --counter 3 --st-key st.pub --pin-file pin "${KDF[@]}"
check "hsm init refuses a 15-byte key file, naming it" 1 "key15.bin is 15 bytes; it must hold exactly 16" \
	"$SSPCTL" hsm init --dir h --series mp15 --key key15.bin --nonce nonce.bin --counter 3 --st-key st.pub --pin-file pin "${KDF[@]}"
check "hsm init refuses an ST key file that is not a P-256 PEM" 1 "not a readable P-256 public key" \
	"$SSPCTL" hsm init --dir h --series mp15 --key key.bin --nonce nonce.bin --counter 3 --st-key key.bin --pin-file pin "${KDF[@]}"
check "hsm init creates an HSM with the counter given" 0 "initialised: mp15, 3 licenses" \
	"$SSPCTL" hsm init --dir h --series mp15 --key key.bin --nonce nonce.bin --counter 3 --st-key 10=st.pub --pin-file pin "${KDF[@]}"
expect "hsm init leaves the HSM files private (mode 0600)" \
	test "$(stat -c %a h/hsm.json h/state h/audit.log | sort -u)" = 600
expect "the key and nonce are not stored in clear" \
	bash -c "! grep -q \"$(hex key.bin)\" h/* && ! grep -q \"$(hex nonce.bin 0 12)\" h/*"
check "hsm init refuses to overwrite an initialised HSM" 1 "already initialised" \
	"$SSPCTL" hsm init --dir h --series mp15 --key key.bin --nonce nonce.bin --counter 99 --st-key st.pub --pin-file pin "${KDF[@]}"
expect "the refused re-init left the counter at 3" test "$(remaining h)" = 3

# --- hsm status ---
check "hsm status needs no PIN and shows remaining, series and fingerprint" 0 "remaining +3" \
	"$SSPCTL" hsm status --dir h
expect "hsm status --json gives series mp15, issued 0 and ST key index 10 only" \
	python3 -c "import json,subprocess; o=json.loads(subprocess.check_output(['$SSPCTL','hsm','status','--dir','h','--json'])); assert o['series']=='mp15' and o['issued']==0 and o['st_key_indexes']==[10] and len(o['key_fingerprint'])==64"
check "hsm status on a directory without an HSM says how to make one" 1 "sspctl hsm init" \
	"$SSPCTL" hsm status --dir nowhere

check "hsm status prints what the soft HSM guarantees and what not" 0 "does not protect against: root or the PIN holder" \
	"$SSPCTL" hsm status --dir h
check "hsm status without a PIN marks the counter unverified" 0 "remaining +3 \\(unverified: no PIN, anyone who can write h can change this\\)" \
	"$SSPCTL" hsm status --dir h
expect "hsm status --json without a PIN says verified false" \
	python3 -c "import json,subprocess; o=json.loads(subprocess.check_output(['$SSPCTL','hsm','status','--dir','h','--json'])); assert o['verified'] is False and o['remaining']==3"
expect "hsm status --json --pin-file says verified true" \
	python3 -c "import json,subprocess; o=json.loads(subprocess.check_output(['$SSPCTL','hsm','status','--dir','h','--json','--pin-file','pin'])); assert o['verified'] is True and o['remaining']==3 and o['issued']==0"
cp -a h h-777
sed -i 's/"remaining":3/"remaining":777/' h-777/state
check "a counter set to 777 by hand is reported unverified without the PIN" 0 "remaining +777 \\(unverified" \
	"$SSPCTL" hsm status --dir h-777
check "a counter set to 777 by hand is refused with the PIN, naming the file" 1 "h-777/state was modified" \
	"$SSPCTL" hsm status --dir h-777 --pin-file pin
cp -a h h-forged
sed -i 's/"remaining":3/"remaining":9/' h-forged/state
check "hsm status --pin-file detects a hand-edited counter" 1 "was modified" \
	"$SSPCTL" hsm status --dir h-forged --pin-file pin
check "hsm license refuses to work with a hand-edited counter" 1 "was modified" \
	"$SSPCTL" hsm license --dir h-forged --cert cert.bin --out lic-forged.bin --pin-file pin

# --- hsm license ---
check "hsm license issues a license for a genuine certificate" 0 "written to lic.bin" \
	"$SSPCTL" hsm license --dir h --cert cert.bin --out lic.bin --pin-file pin --serial S1 --port 1-1
expect "the license file is 136 bytes starting with \"SSP.\"" \
	bash -c "test \$(stat -c %s lic.bin) = 136 && test \"\$(head -c 4 lic.bin)\" = SSP."
expect "the counter went down by exactly one" test "$(remaining h)" = 2
expect "the audit log has the license line with serial, port and the license hash" \
	bash -c "grep '\"event\":\"license\"' h/audit.log | grep '\"serial\":\"S1\"' | grep '\"port\":\"1-1\"' | grep -q \"\$(sha256sum lic.bin | cut -c1-64)\""
check "hsm license with the wrong PIN is refused" 1 "wrong PIN" \
	"$SSPCTL" hsm license --dir h --cert cert.bin --out lic2.bin --pin-file pin-bad
check "hsm license with a certificate signed by another key is refused (signature)" 1 "signature does not verify" \
	env SSP_HSM_PIN="correct horse" "$SSPCTL" hsm license --dir h --cert cert-badsig.bin --out lic2.bin
check "hsm license with an MP13 certificate on an MP15 HSM is refused (chip id)" 1 "chip id 501" \
	env SSP_HSM_PIN="correct horse" "$SSPCTL" hsm license --dir h --cert cert13.bin --out lic2.bin
check "hsm license with a 135-byte certificate is refused (length)" 1 "135 bytes; it must hold exactly 136" \
	env SSP_HSM_PIN="correct horse" "$SSPCTL" hsm license --dir h --cert cert-short.bin --out lic2.bin
expect "refused licenses wrote no file and left the counter at 2" \
	bash -c "test ! -e lic2.bin && test \"\$('$SSPCTL' hsm status --dir h --json | grep -o '\"remaining\":[0-9]*')\" = '\"remaining\":2'"
"$SSPCTL" hsm license --dir h --cert cert2.bin --out l2 --pin-file pin >/dev/null
"$SSPCTL" hsm license --dir h --cert cert3.bin --out l3 --pin-file pin >/dev/null
check "hsm license at counter 0 exits 4 and says no licenses are left" 4 "no licenses left" \
	"$SSPCTL" hsm license --dir h --cert cert4.bin --out l4 --pin-file pin
expect "the exhausted HSM wrote no license and reports 0 left, 3 issued" \
	bash -c "test ! -e l4 && '$SSPCTL' hsm status --dir h --json | grep -q '\"remaining\":0,\"issued\":3'"
cp -a h h-again
check "a chip licensed before gets its license again at no cost, even at 0 left" 0 "written to l1-again" \
	"$SSPCTL" hsm license --dir h-again --cert cert.bin --out l1-again --pin-file pin
expect "the re-issue is a license-reissue line naming the original seq 2, not counted" \
	bash -c "tail -n 1 h-again/audit.log | grep -q '\"event\":\"license-reissue\".*\"original_seq\":2' && '$SSPCTL' hsm status --dir h-again --json | grep -q '\"remaining\":0,\"issued\":3'"
expect "the re-issued license file is 0600 (created before counting)" test "$(stat -c %a l1-again)" = 600

# --- audit ---
check "audit verify without a key says the intact chain is unverified (exit 5)" 5 "4 lines, hash chain intact; unverified: no key, a forger can recompute the chain" \
	"$SSPCTL" audit verify --dir h
check "audit verify --key verifies every line's MAC (exit 0)" 0 "4 lines, hash chain intact, every line's MAC verified" \
	"$SSPCTL" audit verify --dir h --key key.bin
check "audit verify --pin-file verifies with the HSM's key (exit 0)" 0 "every line's MAC verified" \
	"$SSPCTL" audit verify --dir h --pin-file pin
check "audit verify --log FILE --key checks a log mailed home" 0 "every line's MAC verified" \
	"$SSPCTL" audit verify --log h/audit.log --key key.bin
expect "every line the HSM wrote carries a 64-digit mac right after the hash" \
	bash -c "test \$(grep -c -E '\"hash\":\"[0-9a-f]{64}\",\"mac\":\"[0-9a-f]{64}\"}\$' h/audit.log) = 4"
head -c 16 /dev/urandom >key-other.bin
check "audit verify --key with another OEM key reports every line as foreign" 1 "4 of 4 lines fail their MAC, the first at line 1" \
	"$SSPCTL" audit verify --log h/audit.log --key key-other.bin
# A forger without the key: edit line 2, recompute the whole hash chain.
cat >rechain.py <<'PY'
import hashlib, re, sys
lines = open(sys.argv[1], "rb").read().splitlines()
prev = b"0" * 64
out = []
for i, l in enumerate(lines, 1):
    if i == int(sys.argv[2]):
        l = l.replace(b'"serial":"S1"', b'"serial":"S9"')
    l = re.sub(rb',"mac":"[0-9a-f]{64}"', b"", l)
    l = re.sub(rb'"prev":"[0-9a-f]{64}"', b'"prev":"' + prev + b'"', l)
    body = l[:l.index(b',"hash":"')]
    prev = hashlib.sha256(body).hexdigest().encode()
    mac = re.search(rb',"mac":"[0-9a-f]{64}"', lines[i - 1])
    out.append(body + b',"hash":"' + prev + b'"' + (mac.group(0) if mac else b"") + b"}")
open(sys.argv[1], "wb").write(b"\n".join(out) + b"\n")
PY
cp -a h h-rechain
python3 rechain.py h-rechain/audit.log 2
check "a re-chained edit passes the hash chain (no key: exit 5, not 0)" 5 "hash chain intact; unverified" \
	"$SSPCTL" audit verify --log h-rechain/audit.log
check "audit verify --key names the re-chained line by its seq" 1 "line 2 its MAC does not verify" \
	"$SSPCTL" audit verify --log h-rechain/audit.log --key key.bin
expect "audit show --json prints one JSON object per line" \
	bash -c "test \$('$SSPCTL' audit show --dir h --json | python3 -c 'import json,sys; print(sum(1 for l in sys.stdin if json.loads(l)[\"seq\"]))') = 4"
expect "audit show (table) prints a header and one row per line" \
	bash -c "script -qec \"'$SSPCTL' audit show --dir h\" /dev/null | grep -c -E '^ +[0-9]+  ' | grep -qx 4"
cp -a h h-edit
sed -i '2s/"serial":"S1"/"serial":"S9"/' h-edit/audit.log
check "audit verify names an edited line and fails" 1 "line 2 .*was modified" "$SSPCTL" audit verify --dir h-edit
cp -a h h-cut
head -n 3 h-cut/audit.log >h-cut/a && mv h-cut/a h-cut/audit.log
check "audit verify detects lines removed from the end" 1 "removed from the end" "$SSPCTL" audit verify --dir h-cut
cp -a h h-swap
awk 'NR == 2 { l = $0; next } { print } NR == 3 { print l }' h/audit.log >h-swap/audit.log
expect "the reordered log holds the same lines in another order" \
	bash -c "! cmp -s h/audit.log h-swap/audit.log && test \"\$(sort h/audit.log)\" = \"\$(sort h-swap/audit.log)\""

check "audit verify detects reordered lines" 1 "line 2 .*out of order|line 2 .*gap" "$SSPCTL" audit verify --dir h-swap
check "audit verify without --dir or --log is a usage error" 2 "either --dir DIR or --log FILE" "$SSPCTL" audit verify

# --- secrets build ---
head -c 148 /dev/urandom >s148.bin
head -c 149 /dev/urandom >s149.bin
head -c 10 /dev/urandom >s10.bin
SB=("$SSPCTL" secrets build --key key.bin --nonce nonce.bin)
check "secrets build (MP15) writes a 244-byte .ssp" 0 "244 bytes" \
	"${SB[@]}" --series mp15 --oem-key oem.pub --rma-unlock 0x1234 --rma-relock 0x7FFF --secrets s148.bin --out a.ssp
expect "the MP15 .ssp decrypts (independently, AES-GCM) to the RMA word and the secrets" \
	test "$(python3 tool.py open a.ssp key.bin nonce.bin mp15)" = "$(printf '%08x' $(( (0x7FFF << 15) | 0x1234 ))) $(hex s148.bin)"
expect "the MP15 .ssp carries the OEM public key" \
	test "$(hex a.ssp 8 64)" = "$(python3 tool.py pkh oem.pub)"
fp=$("$SSPCTL" hsm status --dir h --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["key_fingerprint"][:16])')
check "secrets build prints the same key fingerprint as hsm status" 0 "key fingerprint $fp" \
	"${SB[@]}" --series mp15 --oem-key oem.pub --rma-unlock 1 --rma-relock 2 --secrets s10.bin --out b.ssp
check "secrets build (MP13, 3 keys, 10 bytes) writes a 212-byte .ssp" 0 "212 bytes" \
	"${SB[@]}" --series mp13 --oem-key oem.pub --oem-key st.pub --oem-key st2.pub --rma-unlock 0 --rma-relock 0 --secrets s10.bin --out c.ssp
expect "the MP13 .ssp decrypts to its 10 secret bytes" \
	test "$(python3 tool.py open c.ssp key.bin nonce.bin mp13)" = "00000000 $(hex s10.bin)"
pkhth3=$(python3 tool.py pkhth oem.pub st.pub st2.pub)
expect "the MP13 .ssp carries the PKHTH of the 3 keys in order (SHA-256 of SHA-256(LE32(1)||X||Y) each, python)" \
	test "$(hex c.ssp 8 32)" = "$pkhth3"
check "secrets build (MP13, 3 keys) says where the table came from and prints the PKHTH" 0 \
	"key table: 3 --oem-key keys in the order given" \
	"${SB[@]}" --series mp13 --oem-key oem.pub --oem-key st.pub --oem-key st2.pub --rma-unlock 0 --rma-relock 0 --secrets s10.bin --out c.ssp
expect "... and the PKHTH it prints is the one in the file" grep -q "^PKHTH $pkhth3\$" out.txt
expect "... and warns that ST's MP13 tools use a table of 8 keys" grep -q "warning: a table of 3 keys, ST's MP13 tools write 8" out.txt
check "secrets build (MP13, 8 keys in another order) gives another PKHTH, no warning" 0 "PKHTH $(python3 tool.py pkhth st.pub oem.pub st2.pub oem.pub st.pub st2.pub oem.pub st.pub)" \
	"${SB[@]}" --series mp13 --oem-key st.pub --oem-key oem.pub --oem-key st2.pub --oem-key oem.pub --oem-key st.pub --oem-key st2.pub --oem-key oem.pub --oem-key st.pub --rma-unlock 0 --rma-relock 0 --secrets s10.bin --out c8.ssp
expect "... no warning with 8 keys" bash -c '! grep -q warning out.txt'
python3 tool.py kat "$KAT/ssp-v1.txt" fw2.image fw2.stm32
python3 tool.py kat "$KAT/ssp-v1.txt" fw.image fw1.stm32
python3 tool.py a12 a12.stm32
pkhth8=$(awk '$1 == "pkhth8.pkhth" { print $2 }' "$KAT/ssp-v1.txt")
check "secrets build --image (signed v2.0, 8-key table) takes the table from the authentication extension" 0 \
	"key table: from the authentication extension of fw2.stm32 \(header v2.0, 8 keys, signed by key 2\)" \
	"${SB[@]}" --series mp13 --image fw2.stm32 --rma-unlock 0 --rma-relock 0 --secrets s10.bin --out i.ssp
expect "... prints the PKHTH of that table (gen-kat.py vector)" grep -q "^PKHTH $pkhth8\$" out.txt
expect "... and writes it into the .ssp" test "$(hex i.ssp 8 32)" = "$pkhth8"
check "secrets build --image refuses an MP15 header v1.0 image, naming both versions" 1 \
	"image fw1.stm32: STM32 header version 1.0, but the MP13 ROM takes header v2.0" \
	"${SB[@]}" --series mp13 --image fw1.stm32 --rma-unlock 0 --rma-relock 0 --secrets s10.bin --out d.ssp
check "secrets build --image refuses an unsigned v2.0 image (the worked example of A.12): no key table" 1 \
	"image a12.stm32: header v2.0 without an authentication extension" \
	"${SB[@]}" --series mp13 --image a12.stm32 --rma-unlock 0 --rma-relock 0 --secrets s10.bin --out d.ssp
head -c 600 fw2.stm32 >fw2-cut.stm32
check "secrets build --image refuses a truncated image" 1 "image fw2-cut.stm32: not a valid STM32 image" \
	"${SB[@]}" --series mp13 --image fw2-cut.stm32 --rma-unlock 0 --rma-relock 0 --secrets s10.bin --out d.ssp
check "secrets build with both --image and --oem-key is a usage error" 2 "one of the two" \
	"${SB[@]}" --series mp13 --image fw2.stm32 --oem-key oem.pub --rma-unlock 0 --rma-relock 0 --secrets s10.bin --out d.ssp
check "secrets build MP13 without --image or --oem-key is a usage error" 2 "one of the two" \
	"${SB[@]}" --series mp13 --rma-unlock 0 --rma-relock 0 --secrets s10.bin --out d.ssp
check "secrets build MP15 with --image is a usage error" 2 "no --image" \
	"${SB[@]}" --series mp15 --oem-key oem.pub --image fw2.stm32 --rma-unlock 0 --rma-relock 0 --secrets s10.bin --out d.ssp
check "secrets build refuses an RMA password above 0x7FFF (usage)" 2 '--rma-unlock "0x8000" is not a number from 0 to 32767' \
	"${SB[@]}" --series mp15 --oem-key oem.pub --rma-unlock 0x8000 --rma-relock 0 --secrets s10.bin --out d.ssp
check "secrets build refuses a 149-byte secrets file" 1 "s149.bin: file is 149 bytes" \
	"${SB[@]}" --series mp15 --oem-key oem.pub --rma-unlock 0 --rma-relock 0 --secrets s149.bin --out d.ssp
check "secrets build refuses a nonce whose last 4 bytes are not zero" 1 "last 4 bytes are not zero" \
	"$SSPCTL" secrets build --key key.bin --nonce nonce-bad.bin --series mp15 --oem-key oem.pub --rma-unlock 0 --rma-relock 0 --secrets s10.bin --out d.ssp
check "secrets build refuses a 15-byte key" 1 "15 bytes; it must hold exactly 16" \
	"$SSPCTL" secrets build --key key15.bin --nonce nonce.bin --series mp15 --oem-key oem.pub --rma-unlock 0 --rma-relock 0 --secrets s10.bin --out d.ssp
check "secrets build refuses an OEM key that is not a PEM public key" 1 "OEM key s10.bin: not a readable P-256" \
	"${SB[@]}" --series mp15 --oem-key s10.bin --rma-unlock 0 --rma-relock 0 --secrets s10.bin --out d.ssp
check "secrets build refuses two OEM keys for MP15 (usage)" 2 "exactly one --oem-key" \
	"${SB[@]}" --series mp15 --oem-key oem.pub --oem-key st.pub --rma-unlock 0 --rma-relock 0 --secrets s10.bin --out d.ssp
check "secrets build without --out is a usage error" 2 "are all required" \
	"${SB[@]}" --series mp15 --oem-key oem.pub --rma-unlock 0 --rma-relock 0 --secrets s10.bin
expect "refused builds wrote no file" test ! -e d.ssp

# --- fw info ---
check "fw info (signed v2.0, python): version, ROM, fields" 0 \
	"header version: +v2.0 \(512-byte header\), for the STM32MP13 ROM" "$SSPCTL" fw info fw2.stm32
expect "... the key table and the PKHTH it implies" \
	bash -c "grep -q 'authentication: *key 2 of 8, algorithm 1 (P-256)' out.txt && grep -q '^MP13 PKHTH: *$pkhth8\$' out.txt"
expect "... the trailing padding, binary type and entry point" \
	bash -c "grep -q 'padding: *12 bytes after the image' out.txt && grep -q 'binary type: *0x10 (TF-A)' out.txt && grep -q 'entry point: *0x2ffe0000' out.txt"
expect "... and a valid signature (the INFERRED v2.0 range)" grep -q "^signature: *valid (over header" out.txt
check "fw info (signed v1.0, python): MP15 ROM, key, PKH" 0 "header version: +v1.0 \(256-byte header\), for the STM32MP15 ROM" \
	"$SSPCTL" fw info fw1.stm32
expect "... the MP15 PKH is SHA-256 of the header key" \
	grep -q "^MP15 PKH: *$(python3 -c "import hashlib,sys; d=open('fw1.stm32','rb').read(); print(hashlib.sha256(d[108:172]).hexdigest())")\$" out.txt
expect "... binary type read from byte 255, signature valid" \
	bash -c "grep -q 'binary type: *0x10' out.txt && grep -q '^signature: *valid\$' out.txt"
check "fw info (the unsigned v2.0 worked example of A.12): no key table, unsigned" 0 \
	"authentication: +none \(unsigned image" "$SSPCTL" fw info a12.stm32
expect "... entry 0x2ffe0001, load 0x2ffe0000, length 4" \
	bash -c "grep -q 'entry point: *0x2ffe0001' out.txt && grep -q 'load address: *0x2ffe0000' out.txt && grep -q 'image length: *4 bytes, checksum 0x000002a4' out.txt && grep -q '^signature: *none' out.txt"
python3 -c "import sys; d=bytearray(open('fw2.stm32','rb').read()); d[5]^=1; open('fw2-badsig.stm32','wb').write(d)"
check "fw info: a signature that does not verify is INVALID, exit 1" 1 "^signature: +INVALID" "$SSPCTL" fw info fw2-badsig.stm32
check "fw info: a file that is not an image is refused, exit 1" 1 "s10.bin: not a valid STM32 image" "$SSPCTL" fw info s10.bin
check "fw info without a file is a usage error" 2 "exactly one image FILE" "$SSPCTL" fw info

# release / claim / ports: arguments are checked before the driver is asked
# (the driver's side is the VM test selftests/e2e/test-share-dfu-util.py).
check "release without an argument is a usage error" 2 "usage: sspctl release" "$SSPCTL" release
check "claim without an argument is a usage error" 2 "usage: sspctl claim" "$SSPCTL" claim
check "release of a bad port path names it, exit 1" 1 '"1-0" is not a USB port path' "$SSPCTL" release 1-0
check "claim of a bad port path names it, exit 1" 1 '"1-1.2.3.4.5.6.7" is not a USB port path' \
	"$SSPCTL" claim 1-1.2.3.4.5.6.7
check "claim --timeout out of range is a usage error" 2 "give seconds from 0 to 3600" \
	"$SSPCTL" claim --timeout 4000 1-1
check "ports takes no argument" 2 "unexpected argument" "$SSPCTL" ports 1-1

echo "1..$n"
[[ $fails -eq 0 ]]
