# SPDX-License-Identifier: GPL-2.0-only
# make demo: 4 simulated chips provisioned in the VM (scripts/demo).
# make bench: 1 chip vs 8 chips in parallel with realistic device timing
# (scripts/bench). Both install what is missing and build first, as
# `make check` does.
demo: deps
	@$(MAKE) --no-print-directory all
	@scripts/demo

bench: deps
	@$(MAKE) --no-print-directory all
	@scripts/bench
