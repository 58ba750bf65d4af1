# SPDX-License-Identifier: GPL-2.0-only
# Installation on a real host: `make install` / `make install-dkms` into a
# scratch DESTDIR (files, systemd-analyze verify, the DKMS tree builds the
# module), and in the VM the udev rule applied by udevadm to a simulated chip.
HOST_TESTS += $(TOP)/selftests/install/test-install.sh \
	$(TOP)/selftests/install/test-unit-hardening.sh
INSTALL_VM_TESTS := $(TOP)/selftests/install/test-udev-rule.sh
VM_TESTS += $(INSTALL_VM_TESTS)
$(INSTALL_VM_TESTS): $(SSPSIM)
