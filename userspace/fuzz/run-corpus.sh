#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# run-corpus.sh BINDIR CORPUSDIR [RUNS]
#
# Regression run of the libFuzzer targets, printed as TAP: each target in
# BINDIR runs over its committed seeds in CORPUSDIR/<target>/, then RUNS
# (default 20000) mutations from a fixed seed, so the run is repeatable.
# New inputs go to a temporary directory, never into the committed corpus.
set -u

bindir=$1
corpus=$2
runs=${3:-20000}
tmp=$(mktemp -d /tmp/ssp-fuzz-XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT

targets=$(cd "$corpus" && ls -d fuzz_* | sort)
set -- $targets
echo "1..$#"
n=0
for t in $targets; do
	n=$((n + 1))
	mkdir -p "$tmp/$t"
	log=$tmp/$t.log
	if "$bindir/$t" -seed=1 -runs="$runs" -max_len=1024 -artifact_prefix="$tmp/" \
		"$tmp/$t" "$corpus/$t" >"$log" 2>&1; then
		echo "ok $n - $t: seeds of $corpus/$t and $runs mutations run clean"
	else
		sed 's/^/# /' "$log" | tail -40
		echo "not ok $n - $t: crashed or broke an invariant (log above)"
	fi
done
