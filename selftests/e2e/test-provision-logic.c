// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host unit tests of sspctl's provisioning logic, no device needed: the
 * GetPhase classification, the stage machine's transition table walked
 * through whole runs, the wait parameters, progress rendering and exit
 * codes, and the provision option parsing. TAP output.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "progress.h"
#include "provision.h"
#include "provision_cli.h"

static int test_no, failed;

#define CHECK(cond, ...) do {						\
	test_no++;							\
	if (cond) {							\
		printf("ok %d - ", test_no);				\
	} else {							\
		printf("not ok %d - ", test_no);			\
		failed++;						\
	}								\
	printf(__VA_ARGS__);						\
	printf("\n");							\
} while (0)

static struct stm32_ssp_phase reply(unsigned int phase, unsigned int addr, unsigned int result,
			      const char *msg)
{
	struct stm32_ssp_phase ph;

	memset(&ph, 0, sizeof(ph));
	ph.phase = phase;
	ph.address = addr;
	ph.result = result;
	ph.reply[0] = phase;
	ph.reply_len = 9;
	if (msg) {
		memcpy(ph.reply + 9, msg, strlen(msg));
		ph.reply_len += strlen(msg);
	}
	if (result & STM32_SSP_PHASE_R_DETACH_REQ)
		ph.reply[ph.reply_len++] = 1;
	return ph;
}

static void test_classify(void)
{
	struct stm32_ssp_phase ph;
	char msg[128];

	ph = reply(0xFF, 0xFFFFFFFF, STM32_SSP_PHASE_R_ERROR, "Provisioning");
	CHECK(ssp_prov_classify(SSP_SERIES_MP15, &ph, msg, sizeof(msg)) == SSP_PK_PROVISIONING &&
	      !strcmp(msg, "Provisioning"), "classify: 0xFF \"Provisioning\" ends stage A");
	ph = reply(0xFF, 0xFFFFFFFF, STM32_SSP_PHASE_R_ERROR, "Provisioning\n");
	CHECK(ssp_prov_classify(SSP_SERIES_MP13, &ph, msg, sizeof(msg)) == SSP_PK_PROVISIONING,
	      "classify: a trailing newline is not part of the message");
	ph = reply(0xFF, 0xFFFFFFFF, STM32_SSP_PHASE_R_ERROR, "SSP not supported on closed chip");
	CHECK(ssp_prov_classify(SSP_SERIES_MP15, &ph, msg, sizeof(msg)) == SSP_PK_CLOSED,
	      "classify: closed chip is already provisioned");
	ph = reply(0xFF, 0xFFFFFFFF, STM32_SSP_PHASE_R_ERROR, "Start SSP Failed");
	CHECK(ssp_prov_classify(SSP_SERIES_MP15, &ph, msg, sizeof(msg)) == SSP_PK_ERROR &&
	      !strcmp(msg, "Start SSP Failed"), "classify: other messages are errors, message kept");
	ph = reply(0xFF, 0xFFFFFFFF, STM32_SSP_PHASE_R_ERROR, "bad\x01\x80tail");
	CHECK(ssp_prov_classify(SSP_SERIES_MP15, &ph, msg, sizeof(msg)) == SSP_PK_ERROR &&
	      !strcmp(msg, "bad??tail"), "classify: non-printable bytes are masked");
	ph = reply(0xFF, 0xFFFFFFFF, STM32_SSP_PHASE_R_ERROR, "Provisioning");
	CHECK(ssp_prov_classify(SSP_SERIES_MP15, &ph, msg, 5) == SSP_PK_ERROR && !strcmp(msg, "Prov"),
	      "classify: message truncated to the buffer, never matched when cut");
	ph = reply(0xFF, 0xFFFFFFFF, 0, NULL);
	CHECK(ssp_prov_classify(SSP_SERIES_MP15, &ph, msg, sizeof(msg)) == SSP_PK_ERROR && !msg[0],
	      "classify: 0xFF without a message is an error");
	ph = reply(0x00, 0x2FFC0000, 0, NULL);
	CHECK(ssp_prov_classify(SSP_SERIES_MP15, &ph, msg, sizeof(msg)) == SSP_PK_CERT,
	      "classify: MP15 phase 0x00 with an address: certificate ready");
	CHECK(ssp_prov_classify(SSP_SERIES_MP13, &ph, msg, sizeof(msg)) == SSP_PK_UNEXPECTED,
	      "classify: MP13 phase 0x00 with an address is unexpected");
	ph = reply(0xF3, 0x2FFE0000, 0, NULL);
	CHECK(ssp_prov_classify(SSP_SERIES_MP13, &ph, msg, sizeof(msg)) == SSP_PK_CERT,
	      "classify: MP13 phase 0xF3 with an address: certificate ready");
	CHECK(ssp_prov_classify(SSP_SERIES_MP15, &ph, msg, sizeof(msg)) == SSP_PK_UNEXPECTED &&
	      strstr(msg, "0xF3"), "classify: MP15 phase 0xF3 is unexpected and named");
	ph = reply(0xF3, 0xFFFFFFFF, 0, NULL);
	CHECK(ssp_prov_classify(SSP_SERIES_MP13, &ph, msg, sizeof(msg)) == SSP_PK_UNEXPECTED,
	      "classify: certificate phase with address 0xFFFFFFFF is unexpected");
	ph = reply(0x00, 0xFFFFFFFF, STM32_SSP_PHASE_R_DETACH_REQ, NULL);
	CHECK(ssp_prov_classify(SSP_SERIES_MP15, &ph, msg, sizeof(msg)) == SSP_PK_DETACH_REQ &&
	      ssp_prov_classify(SSP_SERIES_MP13, &ph, msg, sizeof(msg)) == SSP_PK_DETACH_REQ,
	      "classify: detach request on both series");
	ph = reply(0x00, 0xFFFFFFFF, 0, NULL);
	CHECK(ssp_prov_classify(SSP_SERIES_MP15, &ph, msg, sizeof(msg)) == SSP_PK_UNEXPECTED,
	      "classify: phase 0 at 0xFFFFFFFF without the detach byte is unexpected");
	ph = reply(0xFF, 0xFFFFFFFF, 0, "Provisioning");
	ph.reply_len = 100000;
	CHECK(ssp_prov_classify(SSP_SERIES_MP15, &ph, msg, sizeof(msg)) == SSP_PK_PROVISIONING &&
	      !strcmp(msg, "Provisioning"),
	      "classify: reply_len beyond the buffer is clamped to it, not read past");
}

static void test_waits(void)
{
	unsigned int g, m;
	struct stm32_ssp_wait w = { 0 };

	ssp_prov_fw_wait(SSP_SERIES_MP15, 'A', 3, &g, &m);
	CHECK(g == 3 && m == ((1u << STM32_SSP_STAGE_FSBL) | (1u << STM32_SSP_STAGE_ROM)),
	      "wait: MP15 starts the firmware on the same generation");
	ssp_prov_fw_wait(SSP_SERIES_MP13, 'B', 3, &g, &m);
	CHECK(g == 4 && m == ((1u << STM32_SSP_STAGE_FSBL) | (1u << STM32_SSP_STAGE_ROM)),
	      "wait: MP13 re-enumerates into the firmware (generation + 1)");
	ssp_prov_fw_wait(SSP_SERIES_MP15, 'C', 7, &g, &m);
	CHECK(g == 8 && m == (1u << STM32_SSP_STAGE_ROM), "wait: stage C waits for the reset into ROM");
	ssp_prov_fw_wait(SSP_SERIES_MP13, 'C', 7, &g, &m);
	CHECK(g == 8 && m == (1u << STM32_SSP_STAGE_ROM), "wait: stage C is the same on MP13");
	w.stage = STM32_SSP_STAGE_FSBL;
	w.generation = 3;
	CHECK(ssp_prov_fw_outcome(3, &w) == SSP_FW_ANSWERS, "outcome: FSBL means the firmware answers");
	w.stage = STM32_SSP_STAGE_ROM;
	w.generation = 4;
	CHECK(ssp_prov_fw_outcome(3, &w) == SSP_FW_RESET, "outcome: ROM, newer generation is a reset");
	w.generation = 3;
	CHECK(ssp_prov_fw_outcome(3, &w) == SSP_FW_NOT_STARTED, "outcome: ROM, same generation: not started");
}

/* Feed the table a scripted run; returns the final result and the path taken. */
struct script {
	unsigned int chip_stage;
	enum ssp_fw_outcome fw[4];
	enum ssp_phase_kind phase[4];
	int detached;
};

static enum ssp_prov_result walk(const struct script *sc, char *path, size_t len)
{
	struct ssp_prov_state s = { .stage = 'A', .step = SSP_STEP_START,
				    .chip_stage = sc->chip_stage, .detached = sc->detached };
	struct ssp_prov_next n;
	unsigned int nfw = 0, nph = 0;
	size_t off = 0;

	path[0] = '\0';
	for (int i = 0; i < 40; i++) {
		ssp_prov_decide(&s, &n);
		if (n.step == SSP_STEP_END)
			return n.result;
		off += snprintf(path + off, len - off, "%c:%s ", n.stage, ssp_prov_step_name(n.step));
		s.stage = n.stage;
		s.step = n.step;
		if (n.step == SSP_STEP_WAIT_FW)
			s.fw = sc->fw[nfw++];
		if (n.step == SSP_STEP_GET_PHASE)
			s.phase = sc->phase[nph++];
	}
	return SSP_PROV_RUNNING;
}

static void test_machine(void)
{
	const char *full = "A:load-fw A:wait-fw A:get-phase A:detach A:wait-reset "
			   "B:load-fw B:wait-fw B:get-phase B:read-cert B:license B:send-license B:wait-reset "
			   "C:load-fw C:wait-fw ";
	struct script sc;
	char path[1024];
	enum ssp_prov_result r;

	sc = (struct script){ STM32_SSP_STAGE_ROM, { SSP_FW_ANSWERS, SSP_FW_ANSWERS, SSP_FW_RESET },
			      { SSP_PK_PROVISIONING, SSP_PK_CERT }, 1 };
	r = walk(&sc, path, sizeof(path));
	CHECK(r == SSP_PROV_PROVISIONED && !strcmp(path, full),
	      "machine: a virgin chip goes A, B, C and ends provisioned (%s)", path);

	sc = (struct script){ STM32_SSP_STAGE_ROM, { SSP_FW_ANSWERS }, { SSP_PK_CLOSED }, 0 };
	r = walk(&sc, path, sizeof(path));
	CHECK(r == SSP_PROV_CLOSED && !strstr(path, "license"),
	      "machine: a closed chip ends at stage A's GetPhase, no license step");

	sc = (struct script){ STM32_SSP_STAGE_ROM, { SSP_FW_ANSWERS }, { SSP_PK_ERROR }, 0 };
	CHECK(walk(&sc, path, sizeof(path)) == SSP_PROV_FAILED && !strstr(path, "license"),
	      "machine: a firmware error message fails the chip before any license");

	sc = (struct script){ STM32_SSP_STAGE_ROM, { SSP_FW_ANSWERS, SSP_FW_RESET }, { SSP_PK_CERT }, 1 };
	r = walk(&sc, path, sizeof(path));
	CHECK(r == SSP_PROV_PROVISIONED &&
	      !strcmp(path, "A:load-fw A:wait-fw A:get-phase B:read-cert B:license B:send-license "
			    "B:wait-reset C:load-fw C:wait-fw "),
	      "machine: a chip left after stage A goes straight to the certificate");

	sc = (struct script){ STM32_SSP_STAGE_FSBL, { SSP_FW_ANSWERS, SSP_FW_RESET },
			      { SSP_PK_PROVISIONING, SSP_PK_CERT }, 1 };
	r = walk(&sc, path, sizeof(path));
	CHECK(r == SSP_PROV_PROVISIONED && !strncmp(path, "A:get-phase A:detach A:wait-reset B:load-fw", 43),
	      "machine: a chip found in the firmware is asked its phase first");

	sc = (struct script){ STM32_SSP_STAGE_FSBL, { SSP_FW_RESET }, { SSP_PK_DETACH_REQ }, 0 };
	r = walk(&sc, path, sizeof(path));
	CHECK(r == SSP_PROV_PROVISIONED &&
	      !strcmp(path, "A:get-phase B:detach B:wait-reset C:load-fw C:wait-fw "),
	      "machine: a chip waiting for DETACH after its license finishes with stage C, no new license");

	sc = (struct script){ STM32_SSP_STAGE_ROM, { SSP_FW_ANSWERS, SSP_FW_ANSWERS },
			      { SSP_PK_PROVISIONING, SSP_PK_PROVISIONING }, 0 };
	CHECK(walk(&sc, path, sizeof(path)) == SSP_PROV_FAILED,
	      "machine: stage A again in stage B fails (no loop)");

	sc = (struct script){ STM32_SSP_STAGE_ROM, { SSP_FW_ANSWERS, SSP_FW_ANSWERS },
			      { SSP_PK_PROVISIONING, SSP_PK_CERT }, 0 };
	CHECK(walk(&sc, path, sizeof(path)) == SSP_PROV_FAILED && !strstr(path, "C:"),
	      "machine: no detach request after the license fails in stage B");

	sc = (struct script){ STM32_SSP_STAGE_ROM, { SSP_FW_RESET }, { 0 }, 0 };
	CHECK(walk(&sc, path, sizeof(path)) == SSP_PROV_FAILED,
	      "machine: a reset instead of the firmware answering in stage A fails");

	sc = (struct script){ STM32_SSP_STAGE_ROM, { SSP_FW_NOT_STARTED }, { 0 }, 0 };
	CHECK(walk(&sc, path, sizeof(path)) == SSP_PROV_FAILED,
	      "machine: a firmware the ROM did not start fails");

	sc = (struct script){ STM32_SSP_STAGE_ROM, { SSP_FW_ANSWERS, SSP_FW_ANSWERS },
			      { SSP_PK_PROVISIONING, SSP_PK_DETACH_REQ }, 0 };
	CHECK(walk(&sc, path, sizeof(path)) == SSP_PROV_FAILED,
	      "machine: a detach request before the license in stage B fails");

	sc = (struct script){ STM32_SSP_STAGE_UNKNOWN, { 0 }, { 0 }, 0 };
	CHECK(walk(&sc, path, sizeof(path)) == SSP_PROV_FAILED && !path[0],
	      "machine: a chip in no known stage is not touched");
}

static void test_names(void)
{
	enum ssp_prov_step st;
	int ok = 1;

	for (int i = 0; i < SSP_STEP_COUNT; i++)
		if (ssp_prov_step_parse(ssp_prov_step_name(i), &st) || (int)st != i)
			ok = 0;
	CHECK(ok, "names: every step name parses back to its step");
	CHECK(ssp_prov_step_parse("reboot", &st) == -EINVAL, "names: unknown step rejected");
	CHECK(ssp_prov_retryable(-EIO) && ssp_prov_retryable(-EPIPE) && !ssp_prov_retryable(-ENODEV) &&
	      !ssp_prov_retryable(-ESTALE) && !ssp_prov_retryable(-ENOSPC),
	      "retry: USB errors are retried, a chip that left or a missing license is not");
}

static void test_progress(void)
{
	struct ssp_prov_chip c[4];
	struct progress_counts pc;
	json_object *o, *v;
	char line[256];

	ssp_prov_chip_init(&c[0], "ssp0");
	strcpy(c[0].dev, "ssp0");
	strcpy(c[0].serial, "003A00293338510739303435");
	strcpy(c[0].port, "1-1");
	c[0].series_known = 1;
	c[0].series = SSP_SERIES_MP13;
	c[0].stage = 'B';
	c[0].step = SSP_STEP_READ_CERT;
	c[0].result = SSP_PROV_FAILED;
	c[0].t_start = 10;
	c[0].t_end = 12.5;
	snprintf(c[0].err.msg, sizeof(c[0].err.msg), "ssp0 (serial X, port 1-1) stage B, read-cert: gone");
	o = progress_chip_json(&c[0], "result", 20);
	CHECK(json_object_object_get_ex(o, "cause", &v) && strstr(json_object_get_string(v), "read-cert") &&
	      json_object_object_get_ex(o, "series", &v) && !strcmp(json_object_get_string(v), "mp13") &&
	      json_object_object_get_ex(o, "elapsed", &v) && json_object_get_double(v) == 2.5 &&
	      json_object_object_get_ex(o, "stage", &v) && !strcmp(json_object_get_string(v), "B"),
	      "progress: a failed chip's JSON has series, stage, elapsed time and cause");
	json_object_put(o);
	c[0].result = SSP_PROV_PROVISIONED;
	o = progress_chip_json(&c[0], "result", 20);
	CHECK(!json_object_object_get_ex(o, "cause", &v) &&
	      json_object_object_get_ex(o, "result", &v) && !strcmp(json_object_get_string(v), "provisioned"),
	      "progress: a provisioned chip has no cause");
	json_object_put(o);
	progress_chip_line(&c[0], 20, line, sizeof(line));
	CHECK(strstr(line, "003A00293338510739303435") && strstr(line, "provisioned") &&
	      strstr(line, "2.5s"), "progress: the table line shows serial, time and result");

	for (int i = 1; i < 4; i++)
		ssp_prov_chip_init(&c[i], "x");
	c[1].result = SSP_PROV_CLOSED;
	c[2].result = SSP_PROV_PROVISIONED;
	c[3].result = SSP_PROV_PROVISIONED;
	progress_count(c, 4, &pc);
	CHECK(pc.provisioned == 3 && pc.closed == 1 && progress_exit_code(&pc) == SSPCTL_OK,
	      "exit: provisioned and already-provisioned chips are success");
	c[3].result = SSP_PROV_FAILED;
	progress_count(c, 4, &pc);
	CHECK(progress_exit_code(&pc) == SSPCTL_EXIT_PARTIAL, "exit: some failed is partial (3)");
	c[3].result = SSP_PROV_SKIPPED;
	progress_count(c, 4, &pc);
	CHECK(progress_exit_code(&pc) == SSPCTL_EXIT_NO_LICENSE, "exit: chips left for want of licenses is 4");
	for (int i = 0; i < 4; i++)
		c[i].result = SSP_PROV_FAILED;
	progress_count(c, 4, &pc);
	CHECK(progress_exit_code(&pc) == SSPCTL_EXIT_FAIL, "exit: all failed is 1");
}

static void test_args(void)
{
	struct provision_args a;
	struct ssp_err e = { 0 };

	provision_args_init(&a);
	CHECK(provision_args_opt(&a, 't', "read-cert=5000", &e) == 0 &&
	      a.timeout_ms[SSP_STEP_READ_CERT] == 5000, "args: --timeout STEP=MS sets that step");
	CHECK(provision_args_opt(&a, 't', "reboot=5", &e) == -EINVAL && strstr(e.msg, "reboot"),
	      "args: --timeout with an unknown step names it");
	CHECK(provision_args_opt(&a, 't', "read-cert", &e) == -EINVAL, "args: --timeout without =MS rejected");
	CHECK(provision_args_opt(&a, 'j', "0", &e) == -EINVAL && provision_args_opt(&a, 'j', "-3", &e) == -EINVAL &&
	      provision_args_opt(&a, 'j', "4", &e) == 0 && a.jobs == 4, "args: --jobs takes 1..1024");
	CHECK(provision_args_check(&a, 1, &e) == -EINVAL && strstr(e.msg, "--fw"), "args: --fw is required");
	provision_args_opt(&a, 'f', "fw.stm32", &e);
	provision_args_opt(&a, 's', "a.ssp", &e);
	CHECK(provision_args_check(&a, 1, &e) == -EINVAL && strstr(e.msg, "--hsm"),
	      "args: --secrets needs --hsm");
	provision_args_opt(&a, 'H', "hsm15", &e);
	provision_args_opt(&a, 's', "b.ssp", &e);
	CHECK(provision_args_check(&a, 1, &e) == -EINVAL && strstr(e.msg, "2 --secrets for 1 --hsm"),
	      "args: one --hsm per --secrets");
	provision_args_opt(&a, 'H', "hsm13", &e);
	CHECK(provision_args_opt(&a, 'H', "hsm3", &e) == -EINVAL, "args: at most one --hsm per series");
	CHECK(provision_args_check(&a, 2, &e) == 0, "args: devices with fw, secrets and hsm per series");
	a.all = 1;
	CHECK(provision_args_check(&a, 2, &e) == -EINVAL, "args: devices and --all are exclusive");
	CHECK(provision_args_check(&a, 0, &e) == 0, "args: --all alone");
	a.all = 0;
	CHECK(provision_args_check(&a, 0, &e) == -EINVAL && strstr(e.msg, "no device"),
	      "args: nothing to provision is an error");
}

int main(void)
{
	printf("TAP version 13\n");
	test_classify();
	test_waits();
	test_machine();
	test_names();
	test_progress();
	test_args();
	printf("1..%d\n", test_no);
	return failed ? 1 : 0;
}
