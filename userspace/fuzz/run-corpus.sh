#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# run-corpus.sh BINDIR CORPUSDIR [RUNS]
# run-corpus.sh --max-len TARGET
#
# Regression run of the libFuzzer targets, printed as TAP: each target in
# BINDIR runs over its committed seeds in CORPUSDIR/<target>/, then RUNS
# mutations (default: the target's own count below) from a fixed seed, so
# the run is repeatable. New inputs go to a temporary directory, never into
# the committed corpus. --max-len prints a target's input size limit (also
# used by `make fuzz`).
set -u

# Per target: input size limit, and mutations of the regression run. The
# targets that write and fsync a file per input get fewer, to keep the whole
# run within a few seconds.
max_len() {
	case $1 in
	fuzz_audit|fuzz_config|fuzz_usbip) echo 4096 ;;
	fuzz_hsm) echo 8192 ;;
	*) echo 1024 ;;
	esac
}
default_runs() {
	case $1 in
	fuzz_audit) echo 3000 ;;
	fuzz_config) echo 10000 ;;
	fuzz_hsm) echo 3000 ;;
	*) echo 20000 ;;
	esac
}

if [ "${1:-}" = "--max-len" ]; then
	max_len "$2"
	exit 0
fi

bindir=$1
corpus=$2
runs_arg=${3:-}
tmp=$(mktemp -d /tmp/ssp-fuzz-XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT

targets=$(cd "$corpus" && ls -d fuzz_* | sort)
set -- $targets
echo "1..$#"
n=0
for t in $targets; do
	n=$((n + 1))
	runs=${runs_arg:-$(default_runs "$t")}
	mkdir -p "$tmp/$t"
	log=$tmp/$t.log
	if "$bindir/$t" -seed=1 -runs="$runs" -max_len="$(max_len "$t")" -artifact_prefix="$tmp/" \
		"$tmp/$t" "$corpus/$t" >"$log" 2>&1; then
		echo "ok $n - $t: seeds of $corpus/$t and $runs mutations run clean"
	else
		sed 's/^/# /' "$log" | tail -40
		echo "not ok $n - $t: crashed or broke an invariant (log above)"
	fi
done
