# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash disable=SC2154 # top and logs are the caller's
#
# selftests/fresh/lib.sh: the clean Debian 12 root of check-fresh, shared by
# the tests that need one (check-fresh, selftests/deb/test-deb): the mirror
# this machine's apt uses, the cached debootstrap base (build/fresh/base-*.tar)
# and the package cache (build/fresh/apt-archives/), mounts, chroot.
#
# The caller sets top (the checkout) and logs (its log directory), defines
# ok STATUS NAME [LOG], bail MSG and secs START, runs in a mount namespace of
# its own (unshare --mount) and calls fresh_init, then fresh_base.
dir=$top/build/fresh
# The cached roots and packages: build/fresh/ unless SSP_CACHE_DIR names a
# directory shared by every checkout of this machine (.ci/run sets it: a CI
# run starts from a fresh clone, and debootstrap plus the roots built on it
# cost 20 minutes that depend only on the keys in their names).
cache=${SSP_CACHE_DIR:-$dir}
suite=bookworm
current_root=""

# apt_sources: "URI SUITE" for every enabled deb source of this machine's apt
# (one-line .list files and deb822 .sources files).
apt_sources() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[[ -r $f ]] || continue
		sed -E 's/#.*//; s/\[[^]]*\]//' "$f" | awk '$1 == "deb" { print $2, $3 }'
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[[ -r $f ]] || continue
		awk '
		function flush(  i, j, nu, ns, u, s) {
			if (types ~ /(^| )deb( |$)/ && enabled != "no") {
				nu = split(uris, u, " "); ns = split(suites, s, " ")
				for (i = 1; i <= nu; i++) for (j = 1; j <= ns; j++) print u[i], s[j]
			}
			types = uris = suites = enabled = field = ""
		}
		/^#/ { next }
		/^[ \t]*$/ { flush(); next }
		/^[ \t]/ { if (field == "uris") uris = uris " " $0; else if (field == "suites") suites = suites " " $0; next }
		{
			field = tolower($1); sub(/:$/, "", field)
			val = $0; sub(/^[^:]*:[ \t]*/, "", val)
			if (field == "types") types = val
			else if (field == "uris") uris = val
			else if (field == "suites") suites = val
			else if (field == "enabled") enabled = tolower(val)
		}
		END { flush() }' "$f"
	done
}
mirror_of() { apt_sources | awk -v s="$1" '$2 == s { print $1; exit }'; }
# fresh_init: the mirrors, the cache directories.
fresh_init() {
	main_uri=$(mirror_of "$suite")
	updates_uri=$(mirror_of "$suite-updates")
	security_uri=$(mirror_of "$suite-security")
	[[ -n $main_uri ]] ||
		bail "no '$suite' source in /etc/apt/sources.list{,.d}: check-fresh uses the Debian mirror apt already uses"
	[[ -n $security_uri ]] ||
		bail "no '$suite-security' source in /etc/apt/sources.list{,.d}: a fresh Debian 12 has one (the 6.12 kernel comes from it)"
	updates_uri=${updates_uri:-$main_uri}
	echo "# mirror: $main_uri ($suite, $suite-updates: $updates_uri), $security_uri ($suite-security)"
	mkdir -p "$dir" "$logs" "$cache/apt-archives/partial"
}

# --- mounts: a chroot with /proc, /sys, /dev and the package cache ---------
mounted() { findmnt -R -n -o TARGET --list | awk -v r="$1" 'index($0, r "/") == 1 || $0 == r'; }
# unmount_all ROOT: every mount below ROOT, deepest first; processes still
# running inside ROOT (a test's leftover daemon) are ours: end them first.
unmount_all() {
	local r=$1 p m
	for p in /proc/[0-9]*; do
		case $(readlink "$p/root" 2>/dev/null) in
		"$r" | "$r"/*) kill -9 "${p#/proc/}" 2>/dev/null ;;
		esac
	done
	sleep 0.2
	for m in $(mounted "$r" | sort -r); do
		umount -R "$m" 2>/dev/null || umount -R -l "$m" 2>/dev/null
	done
	[[ -z $(mounted "$r") ]]
}
# remove_root ROOT: never while anything is mounted below it.
remove_root() {
	[[ -e $1 ]] || return 0
	unmount_all "$1" || bail "cannot unmount everything below $1 (see findmnt); not deleting it"
	rm -rf --one-file-system "$1"
}
mount_root() {
	local r=$1
	mount -t proc proc "$r/proc" &&
		mount -t sysfs sysfs "$r/sys" &&
		mount --rbind /dev "$r/dev" && mount --make-rslave "$r/dev" &&
		mount --bind "$cache/apt-archives" "$r/var/cache/apt/archives"
}
# cleanup: the caller's EXIT trap; CHECK_FRESH_KEEP=1 leaves the root.
cleanup() {
	[[ -n $current_root ]] && { unmount_all "$current_root" ||
		echo "# check-fresh: could not unmount everything below $current_root" >&2; }
	[[ -n ${CHECK_FRESH_KEEP:-} ]] || [[ -z $current_root ]] || remove_root "$current_root"
}

# in_root ROOT CMD: run CMD with bash as root in ROOT, with a clean
# environment (no PATH, Python or compiler settings of this machine).
in_root() {
	chroot "$1" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		DEBIAN_FRONTEND=noninteractive /bin/bash -c "$2" </dev/null
}
# prepare_root ROOT: what a fresh install has and a chroot lacks.
prepare_root() {
	cp /etc/resolv.conf "$1/etc/resolv.conf" 2>/dev/null || :
	# Started services would outlive the chroot.
	printf '#!/bin/sh\nexit 101\n' >"$1/usr/sbin/policy-rc.d"
	chmod 0755 "$1/usr/sbin/policy-rc.d"
}

# fresh_base: $base, the tarball of the cached base root (debootstrap minbase
# + git + make, upgraded), built on a cold run; one TAP result.
fresh_base() {
	local start=$SECONDS st b
	recipe="1 $suite minbase git,make $main_uri $updates_uri $security_uri $(date -u +%G-W%V)"
	key=$(echo "$recipe" | sha256sum | cut -c1-16)
	base=$cache/base-$key.tar
	start=$SECONDS
	if [[ -s $base ]]; then
		ok 0 "fresh Debian 12 root: cached $(basename "$base")"
	else
		echo "# building the base root (debootstrap --variant=minbase, git, make; cold run)"
		b=$cache/base-build
		current_root=$b
		remove_root "$b"
		mkdir -p "$b"
		{
			debootstrap --variant=minbase --include=git,make --components=main \
				--cache-dir="$cache/apt-archives" "$suite" "$b" "$main_uri" &&
				cat >"$b/etc/apt/sources.list" <<-EOF &&
					deb $main_uri $suite main
					deb $updates_uri $suite-updates main
					deb $security_uri $suite-security main
				EOF
				prepare_root "$b" && mount_root "$b" &&
				in_root "$b" "apt-get update -q && apt-get -y -q upgrade && apt-get clean" &&
				unmount_all "$b" &&
				rm -f "$b/usr/sbin/policy-rc.d" "$b/etc/resolv.conf" &&
				tar --numeric-owner -C "$b" -cf "$base.tmp" . && mv "$base.tmp" "$base"
		} >"$logs/base.log" 2>&1
		st=$?
		ok $st "fresh Debian 12 root: debootstrap minbase + git + make from $main_uri ($(secs "$start") s)" "$logs/base.log"
		[[ $st -eq 0 ]] || exit 1
		remove_root "$b"
		current_root=""
		find "$cache" -maxdepth 1 -name 'base-*.tar' ! -name "$(basename "$base")" -delete
	fi
}
