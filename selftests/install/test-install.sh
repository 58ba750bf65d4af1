#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# `make install` and `make install-dkms` into a scratch DESTDIR: every file
# lands where Documentation/admin-guide.rst says, byte for byte; systemd
# accepts the unit as installed (systemd-analyze verify, in a root holding
# the installed tree and the host's own units); and the DKMS source tree
# alone builds stm32_ssp.ko against the 6.1 headers, as dkms would.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
# Called from `make check`: the jobserver of that make is not ours.
unset MAKEFLAGS MFLAGS MAKELEVEL
w=$(mktemp -d /tmp/ssp-install.XXXXXX)
trap 'rm -rf "$w"' EXIT
dest=$w/dest
n=0
fails=0
echo "TAP version 13"
ok() { # ok COND-STATUS NAME [DIAG-FILE]
	n=$((n + 1))
	if [[ $1 -eq 0 ]]; then
		echo "ok $n - $2"
	else
		fails=$((fails + 1))
		echo "not ok $n - $2"
		[[ -n ${3:-} && -s $3 ]] && tail -n 30 "$3" | sed 's/^/#   /'
	fi
}
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
[[ -n $version ]]
ok $? "dkms_conf_names_the_package_version"

make -C "$top" --no-print-directory install DESTDIR="$dest" PREFIX=/usr >"$w/install.log" 2>&1
ok $? "make_install_succeeds" "$w/install.log"

# installed-as SRC DEST MODE: DEST (under DESTDIR) is a copy of SRC with MODE.
installed_as() {
	local f=$dest$2
	[[ -f $f ]] && cmp -s "$1" "$f" && [[ $(stat -c %a "$f") == "$3" ]]
}
installed_as "$top/build/sspctl" /usr/bin/sspctl 755
ok $? "sspctl_installed_in_prefix_bin_mode_0755"
installed_as "$top/uapi/linux/stm32_ssp.h" /usr/include/linux/stm32_ssp.h 644
ok $? "uapi_header_installed_in_prefix_include_linux"
installed_as "$top/userspace/udev/60-stm32-ssp.rules" /usr/lib/udev/rules.d/60-stm32-ssp.rules 644
ok $? "udev_rule_installed_in_usr_lib_udev_rules_d"
installed_as "$top/userspace/systemd/sspctl-watch@.service" /usr/lib/systemd/system/sspctl-watch@.service 644
ok $? "watch_unit_installed_in_usr_lib_systemd_system"
installed_as "$top/userspace/systemd/sspctl.conf" /etc/ssp/sspctl.conf 644
ok $? "example_config_installed_as_etc_ssp_sspctl_conf"
installed_as "$top/userspace/systemd/sysusers.d/stm32-ssp.conf" /usr/lib/sysusers.d/stm32-ssp.conf 644
ok $? "sysusers_file_installed_in_usr_lib_sysusers_d"
# Nothing else: an unexpected file would be one the guide does not describe.
(cd "$dest" && find . -type f | sort) >"$w/files"
cat >"$w/expected" <<'LIST'
./etc/ssp/sspctl.conf
./usr/bin/sspctl
./usr/include/linux/stm32_ssp.h
./usr/lib/systemd/system/sspctl-watch@.service
./usr/lib/sysusers.d/stm32-ssp.conf
./usr/lib/udev/rules.d/60-stm32-ssp.rules
./usr/share/man/man1/sspctl-audit.1
./usr/share/man/man1/sspctl-fw.1
./usr/share/man/man1/sspctl-hsm.1
./usr/share/man/man1/sspctl-info.1
./usr/share/man/man1/sspctl-list.1
./usr/share/man/man1/sspctl-provision.1
./usr/share/man/man1/sspctl-release.1
./usr/share/man/man1/sspctl-secrets.1
./usr/share/man/man1/sspctl-watch.1
./usr/share/man/man1/sspctl.1
LIST
diff -u "$w/expected" "$w/files" >"$w/files.diff"
ok $? "make_install_installs_exactly_the_documented_files" "$w/files.diff"
"$dest/usr/bin/sspctl" --help >"$w/help.log" 2>&1
ok $? "installed_sspctl_runs" "$w/help.log"
# Every man page the unit names is installed, and renders.
r=0
for ref in $(sed -n 's/^Documentation=//p' "$top/userspace/systemd/sspctl-watch@.service"); do
	page=${ref#man:}
	name=${page%(*}
	sec=${page#*(}
	sec=${sec%)}
	man -l "$dest/usr/share/man/man$sec/$name.$sec" >"$w/man-$name.log" 2>&1 &&
		grep -q "$name" "$w/man-$name.log" || r=1
done
ok $r "man_pages_named_by_the_watch_unit_are_installed"
# A second install keeps a configured /etc/ssp/sspctl.conf.
echo "# configured by the line" >>"$dest/etc/ssp/sspctl.conf"
make -C "$top" --no-print-directory install DESTDIR="$dest" PREFIX=/usr >"$w/reinstall.log" 2>&1 &&
	grep -q "configured by the line" "$dest/etc/ssp/sspctl.conf"
ok $? "reinstall_keeps_the_configured_sspctl_conf" "$w/reinstall.log"

# systemd-analyze verify resolves `ExecStart=sspctl` in systemd's search path
# inside --root, so the root holds the installed tree plus the host's units
# (the default dependencies such as sysinit.target must exist).
unit=/usr/lib/systemd/system/sspctl-watch@sspctl.service
if command -v systemd-analyze >/dev/null; then
	root=$w/verify-root
	mkdir -p "$root"
	cp -a "$dest/." "$root/"
	for f in /usr/lib/systemd/system/*; do
		[[ -f $f && ! -e $root/usr/lib/systemd/system/${f##*/} ]] && cp "$f" "$root/usr/lib/systemd/system/"
	done
	# Documentation=man:... is checked below against the installed pages
	# (systemd-analyze would look them up on this host, not in --root).
	systemd-analyze verify --root="$root" --man=no "$unit" >"$w/verify.log" 2>&1 &&
		! grep -q . "$w/verify.log"
	ok $? "systemd_analyze_verify_accepts_the_installed_instance_unit" "$w/verify.log"
	# The same check must fail when the unit's program is missing.
	rm "$root/usr/bin/sspctl"
	! systemd-analyze verify --root="$root" --man=no "$unit" >"$w/verify-neg.log" 2>&1 &&
		grep -q 'sspctl is not executable' "$w/verify-neg.log"
	ok $? "systemd_analyze_verify_rejects_the_unit_without_sspctl" "$w/verify-neg.log"
else
	skip "systemd_analyze_verify_accepts_the_installed_instance_unit" "no systemd-analyze"
	skip "systemd_analyze_verify_rejects_the_unit_without_sspctl" "no systemd-analyze"
fi

make -C "$top" --no-print-directory install-dkms DESTDIR="$dest" >"$w/dkms.log" 2>&1
ok $? "make_install_dkms_succeeds" "$w/dkms.log"
src=$dest/usr/src/stm32-ssp-$version
(cd "$top" && printf '%s\n' Kbuild dkms.conf driver/*.[ch] uapi/linux/stm32_ssp.h | sort) >"$w/dkms-expected"
(cd "$src" 2>/dev/null && find . -type f | sed 's|^\./||' | sort) >"$w/dkms-files"
diff -u "$w/dkms-expected" "$w/dkms-files" >"$w/dkms-files.diff"
ok $? "dkms_tree_is_usr_src_stm32_ssp_version_with_the_module_sources" "$w/dkms-files.diff"
r=0
while read -r f; do cmp -s "$top/$f" "$src/$f" || { echo "$f differs" >>"$w/dkms-cmp.log"; r=1; }; done <"$w/dkms-expected"
ok $r "dkms_tree_files_are_copies_of_the_repository" "$w/dkms-cmp.log"

# Build the DKMS copy as dkms does (it copies the tree to its build dir and
# runs MAKE[0] there): out of that copy alone, nothing from the repo; on each
# kernel the tests use.
name=$(sed -n 's/^BUILT_MODULE_NAME\[0\]="\(.*\)"$/\1/p' "$src/dkms.conf")
for k in 6.1 6.12; do
	kt=${k//./_}
	# shellcheck disable=SC2012 # kernel versions, no odd file names
	kdir=$(ls -d /usr/src/linux-headers-"$k".*-amd64 /usr/src/linux-headers-"$k"-*-amd64 2>/dev/null | sort -V | tail -n 1)
	if [[ -z $kdir ]]; then
		skip "dkms_make_command_builds_the_module_from_the_dkms_tree_on_$kt" "no $k headers"
		continue
	fi
	tree=$w/dkms-$k
	build=$tree/stm32-ssp/$version/build
	mkdir -p "$build"
	cp -a "$src/." "$build/"
	# MAKE[0] with dkms's variables substituted (the quoted names are literals).
	mk=$(sed -n 's/^MAKE\[0\]="\(.*\)"$/\1/p' "$src/dkms.conf")
	# shellcheck disable=SC2016
	{
		mk=${mk//'${kernel_source_dir}'/$kdir}
		mk=${mk//'${dkms_tree}'/$tree}
		mk=${mk//'${PACKAGE_NAME}'/stm32-ssp}
		mk=${mk//'${PACKAGE_VERSION}'/$version}
	}
	echo "# $mk"
	# shellcheck disable=SC2086
	(cd "$build" && $mk) >"$w/kbuild-$k.log" 2>&1
	ok $? "dkms_make_command_builds_the_module_from_the_dkms_tree_on_$kt" "$w/kbuild-$k.log"
	ko=$build/$name.ko
	kver=${kdir##*/linux-headers-}
	[[ -n $name && -f $ko ]] && modinfo -F vermagic "$ko" | grep -q "^$kver " &&
		[[ $(modinfo -F name "$ko") == stm32_ssp ]]
	ok $? "module_built_on_${kt}_is_named_as_dkms_conf_says_with_that_kernels_vermagic"
	# Same metadata as the repo build: the DKMS copy misses no source.
	if [[ -f $top/build/ko/$k/stm32_ssp.ko ]]; then
		filter='^(filename|srcversion|sig|signer|vermagic)'
		diff <(modinfo "$ko" | grep -Ev "$filter") \
			<(modinfo "$top/build/ko/$k/stm32_ssp.ko" | grep -Ev "$filter") >"$w/modinfo-$k.diff"
		ok $? "dkms_module_on_${kt}_has_the_same_modinfo_as_the_repository_build" "$w/modinfo-$k.diff"
	else
		skip "dkms_module_on_${kt}_has_the_same_modinfo_as_the_repository_build" "build/ko/$k not built"
	fi
done

echo "1..$n"
[[ $fails -eq 0 ]]
