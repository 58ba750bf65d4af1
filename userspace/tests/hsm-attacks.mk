# SPDX-License-Identifier: GPL-2.0-only
# The attacks of issue 7 on the software HSM, through sspctl (TAP).
HSM_ATTACK_TESTS := $(BUILD)/tests/hsm-attacks
HOST_TESTS += $(HSM_ATTACK_TESTS)

$(BUILD)/tests/hsm-attacks: userspace/tests/hsm-attacks.sh $(SSPCTL)
	@mkdir -p $(dir $@)
	printf '#!/bin/sh\nexec "%s" "%s" "$$@"\n' $(TOP)/$< $(SSPCTL) >$@ && chmod +x $@
