/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A private swtpm for a test: fresh state in a temp dir, a free TCP port
 * pair of its own (server P, control P+1), killed and removed at the end.
 * No mock: tests talk to it through the swtpm TCTI, as sspctl would with
 * --tpm=swtpm:host=127.0.0.1,port=P. Needs swtpm (`make deps`).
 *
 *	struct tswtpm s;
 *	ASSERT_EQ(0, tswtpm_start(&s));   // prints why on failure
 *	... ssp_tpm_open(s.tcti, ...) ...
 *	tswtpm_stop(&s);
 */
#ifndef SWTPM_HELPERS_H
#define SWTPM_HELPERS_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <tss2/tss2_esys.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

struct tswtpm {
	char dir[64];		/* --tpmstate dir, and swtpm.log */
	char tcti[96];		/* "swtpm:host=127.0.0.1,port=P" */
	int port;		/* server port; control is port + 1 */
	pid_t pid;
};

static inline int tswtpm_port_free(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), ok;

	if (fd < 0)
		return 0;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

static inline int tswtpm_port_answers(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), ok;

	if (fd < 0)
		return 0;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

/* A port pair P, P+1 nobody listens on now (same bind test swtpm will do). */
static inline int tswtpm_free_port_pair(void)
{
	for (int tries = 0; tries < 200; tries++) {
		int p = 20000 + (int)((getpid() * 7919u + (unsigned int)rand()) % 20000) * 2;

		if (tswtpm_port_free(p) && tswtpm_port_free(p + 1))
			return p;
	}
	return -1;
}

static inline int tswtpm_have_swtpm(void)
{
	return system("command -v swtpm >/dev/null 2>&1") == 0;
}

static inline void tswtpm_stop(struct tswtpm *s)
{
	char cmd[128];

	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		waitpid(s->pid, NULL, 0);
		s->pid = 0;
	}
	if (s->dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "# could not remove %s\n", s->dir);
		s->dir[0] = 0;
	}
}

/* Run swtpm on s->dir (state kept) on a fresh port pair; s->port, s->tcti, s->pid set. */
static inline int tswtpm_launch(struct tswtpm *s)
{
	/* A port can be taken between our check and swtpm's bind: retry a few times. */
	for (int attempt = 0; attempt < 5; attempt++) {
		char state[96], srv[64], ctrl[64], log[96];
		int status;

		s->port = tswtpm_free_port_pair();
		if (s->port < 0)
			break;
		snprintf(state, sizeof(state), "dir=%s", s->dir);
		snprintf(srv, sizeof(srv), "type=tcp,port=%d,bindaddr=127.0.0.1", s->port);
		snprintf(ctrl, sizeof(ctrl), "type=tcp,port=%d,bindaddr=127.0.0.1", s->port + 1);
		snprintf(log, sizeof(log), "file=%s/swtpm.log", s->dir);
		s->pid = fork();
		if (s->pid < 0)
			return -errno;
		if (s->pid == 0) {
			int null = open("/dev/null", O_RDWR);

			if (null >= 0) {
				dup2(null, 0);
				dup2(null, 1);
			}
			execlp("swtpm", "swtpm", "socket", "--tpm2", "--tpmstate", state,
			       "--server", srv, "--ctrl", ctrl, "--log", log,
			       "--flags", "not-need-init,startup-clear", (char *)NULL);
			_exit(127);
		}
		for (int i = 0; i < 500; i++) {	/* up to 5 s */
			if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
				s->pid = 0;
				break;
			}
			if (tswtpm_port_answers(s->port + 1) && tswtpm_port_answers(s->port)) {
				snprintf(s->tcti, sizeof(s->tcti), "swtpm:host=127.0.0.1,port=%d",
					 s->port);
				return 0;
			}
			usleep(10000);
		}
		if (s->pid > 0) {
			kill(s->pid, SIGKILL);
			waitpid(s->pid, NULL, 0);
			s->pid = 0;
		}
	}
	fprintf(stderr, "# swtpm did not start (state and log in %s)\n", s->dir);
	return -EIO;
}

/* 0, or -errno after printing (as a TAP comment) what went wrong and what to do. */
static inline int tswtpm_start(struct tswtpm *s)
{
	memset(s, 0, sizeof(*s));
	if (!tswtpm_have_swtpm()) {
		fprintf(stderr, "# swtpm is not installed: run `make deps` (Debian package swtpm)\n");
		return -ENOENT;
	}
	srand((unsigned int)(time(NULL) ^ getpid()));
	strcpy(s->dir, "/tmp/ssp-test-swtpm-XXXXXX");
	if (!mkdtemp(s->dir)) {
		fprintf(stderr, "# mkdtemp: %s\n", strerror(errno));
		s->dir[0] = 0;
		return -errno;
	}
	return tswtpm_launch(s);
}

/*
 * Power loss: SIGKILL swtpm (no TPM2_Shutdown, so the next start is a TPM
 * Reset after a disorderly shutdown) and start it again on the same state.
 * The port (and so s->tcti) changes.
 */
static inline int tswtpm_power_cut(struct tswtpm *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
		s->pid = 0;
	}
	return tswtpm_launch(s);
}

/*
 * TPM2_DictionaryAttackParameters with the (empty) lockout auth: the tests
 * pick small numbers so reaching and observing lockout is quick.
 */
static inline int tswtpm_set_da(const struct tswtpm *s, uint32_t max_tries, uint32_t interval_s,
				uint32_t lockout_recovery_s)
{
	TSS2_TCTI_CONTEXT *tcti = NULL;
	ESYS_CONTEXT *esys = NULL;
	TSS2_RC rc;

	rc = Tss2_TctiLdr_Initialize(s->tcti, &tcti);
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_Initialize(&esys, tcti, NULL);
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_DictionaryAttackParameters(esys, ESYS_TR_RH_LOCKOUT, ESYS_TR_PASSWORD,
						     ESYS_TR_NONE, ESYS_TR_NONE, max_tries,
						     interval_s, lockout_recovery_s);
	if (rc != TSS2_RC_SUCCESS)
		fprintf(stderr, "# %s: DictionaryAttackParameters: %s\n", s->tcti,
			Tss2_RC_Decode(rc));
	if (esys)
		Esys_Finalize(&esys);
	if (tcti)
		Tss2_TctiLdr_Finalize(&tcti);
	return rc == TSS2_RC_SUCCESS ? 0 : -EIO;
}

/*
 * What the kernel's resource manager (/dev/tpmrm0) does when a process
 * dies: flush the transient objects and sessions it left loaded. swtpm,
 * reached directly, has no resource manager, so a test that kills a
 * process holding a TPM connection calls this, or the TPM soon runs out of
 * object slots (TPM_RC_OBJECT_MEMORY).
 */
static inline int tswtpm_flush_transients(const struct tswtpm *s)
{
	static const TPM2_HANDLE firsts[] = { TPM2_TRANSIENT_FIRST, TPM2_LOADED_SESSION_FIRST };
	TSS2_TCTI_CONTEXT *tcti = NULL;
	ESYS_CONTEXT *esys = NULL;
	TSS2_RC rc;
	size_t k;

	rc = Tss2_TctiLdr_Initialize(s->tcti, &tcti);
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_Initialize(&esys, tcti, NULL);
	for (k = 0; rc == TSS2_RC_SUCCESS && k < sizeof(firsts) / sizeof(firsts[0]); k++) {
		TPMS_CAPABILITY_DATA *cap = NULL;
		TPMI_YES_NO more;
		UINT32 i;

		rc = Esys_GetCapability(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
					TPM2_CAP_HANDLES, firsts[k], TPM2_MAX_CAP_HANDLES, &more, &cap);
		for (i = 0; rc == TSS2_RC_SUCCESS && i < cap->data.handles.count; i++) {
			TPM2_HANDLE h = cap->data.handles.handle[i];
			ESYS_TR tr;

			if (Esys_TR_FromTPMPublic(esys, h, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
						  &tr) == TSS2_RC_SUCCESS)
				Esys_FlushContext(esys, tr);
		}
		Esys_Free(cap);
	}
	if (rc != TSS2_RC_SUCCESS)
		fprintf(stderr, "# %s: flushing transient objects: %s\n", s->tcti, Tss2_RC_Decode(rc));
	if (esys)
		Esys_Finalize(&esys);
	if (tcti)
		Tss2_TctiLdr_Finalize(&tcti);
	return rc == TSS2_RC_SUCCESS ? 0 : -EIO;
}

#endif /* SWTPM_HELPERS_H */
