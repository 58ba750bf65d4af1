# SPDX-License-Identifier: GPL-2.0-only
# Installation on a real host: tools, udev rule, systemd units, uapi header,
# and the module sources for DKMS (which rebuilds it for every kernel).
PREFIX ?= /usr/local
DESTDIR ?=
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
UDEVDIR ?= /usr/lib/udev/rules.d
UNITDIR ?= /usr/lib/systemd/system
MANDIR ?= $(PREFIX)/share/man
RST2MAN ?= /usr/bin/rst2man
MAN_PAGES := $(patsubst Documentation/man/%.rst,$(BUILD)/man/%.1,$(filter-out Documentation/man/index.rst,$(wildcard Documentation/man/*.rst)))

# Man pages, section 1, from their reStructuredText source (python3-docutils).
# A man page has no colours, and highlighting would need Pygments, which
# docutils only recommends: `make install` must not depend on it.
RST2MAN_FLAGS ?= --halt=warning --syntax-highlight=none
$(BUILD)/man/%.1: Documentation/man/%.rst
	@mkdir -p $(dir $@)
	$(RST2MAN) $(RST2MAN_FLAGS) $< $@

man: $(MAN_PAGES)
DKMS_SRC := $(DESTDIR)/usr/src/stm32-ssp-$(VERSION)

install: tools man
	install -D -m 0755 $(BUILD)/sspctl $(DESTDIR)$(PREFIX)/bin/sspctl
	install -D -m 0644 uapi/linux/stm32_ssp.h $(DESTDIR)$(PREFIX)/include/linux/stm32_ssp.h
	$(foreach f,$(wildcard userspace/udev/*.rules),install -D -m 0644 $(f) $(DESTDIR)$(UDEVDIR)/$(notdir $(f));)
	$(foreach f,$(wildcard userspace/systemd/*.service userspace/systemd/*.target),install -D -m 0644 $(f) $(DESTDIR)$(UNITDIR)/$(notdir $(f));)
	$(foreach f,$(MAN_PAGES),install -D -m 0644 $(f) $(DESTDIR)$(MANDIR)/man1/$(notdir $(f));)
	@# A configured line keeps its own configuration: never overwrite it.
	$(foreach f,$(wildcard userspace/systemd/*.conf),test -e $(DESTDIR)/etc/ssp/$(notdir $(f)) || install -D -m 0644 $(f) $(DESTDIR)/etc/ssp/$(notdir $(f));)
	$(foreach f,$(wildcard userspace/systemd/sysusers.d/*.conf),install -D -m 0644 $(f) $(DESTDIR)/usr/lib/sysusers.d/$(notdir $(f));)

# Module sources for DKMS: then `dkms install stm32-ssp/$(VERSION)`.
install-dkms:
	install -d $(DKMS_SRC)/driver $(DKMS_SRC)/uapi/linux
	install -m 0644 Kbuild dkms.conf $(DKMS_SRC)/
	install -m 0644 $(wildcard driver/*.[ch]) $(DKMS_SRC)/driver/
	install -m 0644 uapi/linux/stm32_ssp.h $(DKMS_SRC)/uapi/linux/
	@echo "now run: dkms install stm32-ssp/$(VERSION)"

.PHONY: install install-dkms man
