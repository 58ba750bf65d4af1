// SPDX-License-Identifier: GPL-2.0-only
/*
 * sspsim: simulated STM32MP15/MP13 chips on USB/IP. Subcommands start,
 * stop, mkfw and otp; see `sspsim --help` and Documentation/sspsim.rst.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crypto.h"
#include "daemon.h"
#include "formats.h"
#include "sim.h"
#include "stm32_image.h"
#include "usbip.h"
#include "util.h"

static const char usage[] =
"usage: sspsim COMMAND [OPTIONS]\n"
"\n"
"Simulated STM32MP15/MP13 chips (ROM code + TF-A SSP) attached to this host's\n"
"kernel as USB devices through vhci_hcd (needs root and `modprobe vhci-hcd`).\n"
"\n"
"  start --state DIR [--series mp15|mp13|mp25|uboot] [--chips N] [--fault SPEC]...\n"
"        [--timing fast|realistic] [--timeout SEC]\n"
"      Attach the chips of DIR (creating new ones up to N) and return once the\n"
"      kernel has enumerated them all; a daemon keeps serving them. Prints one\n"
"      `INDEX SERIAL` line per chip. Writes DIR/st-pub.pem (test ST public key).\n"
"      mp25: an MP25 ROM (chip 0x505) that is identified, answers GetPhase and\n"
"      takes an FSBL image, but runs no SSP: the MP25 exchange is not public.\n"
"      uboot: U-Boot's stm32prog DFU gadget (generic DFU, not an SSP chip).\n"
"  stop --state DIR\n"
"      Detach the chips of DIR and end its daemon.\n"
"  mkfw --out FILE [--series mp15|mp13] [--key OEM_PRIV.pem] [--table PUB.pem]...\n"
"       [--pub-out PEM] [--version N] [--size BYTES]\n"
"      Write a test SSP firmware, ECDSA P-256 signed with the key (or the built-in\n"
"      test OEM key): mp15 (default) STM32 header v1.0; mp13 header v2.0 whose\n"
"      authentication extension holds the key table of the --table keys in order\n"
"      (one must be the signing key), or the signing key alone.\n"
"  otp --state DIR --chip SERIAL\n"
"      Print `WORD 0xVALUE` for each non-zero OTP word, then `locked W...`.\n"
"\n"
"Faults (SPEC = CHIP:KIND[:ARG[:COUNT]], CHIP = index or `all`; a STEP fault fires\n"
"COUNT times, default 1, 0 = always): stall:STEP, disconnect:STEP,\n"
"disconnect-after-blocks:N, hang:STEP, bad-cert, bad-descriptor, bad-reply:STEP,\n"
"slow:MS, dfu-error:STEP (the request stalls and the DFU state becomes dfuERROR\n"
"with errSTALLEDPKT: only CLRSTATUS brings it back), two-interfaces (a second\n"
"DFU interface, a copy of the first), long-serial (the serial string goes on\n"
"past the UID: 55 characters), foreign-fsbl (the started FSBL names chip 0x4FF),\n"
"many-alts (128 alternate settings). STEP = load, phase, cert, license, detach,\n"
"stage-a, stage-b, stage-c.\n"
"\n"
"The MP15 ROM takes STM32 header v1.0 only, the MP13 ROM v2.0 only.\n"
"Documentation/sspsim.rst says what is modelled and inferred.\n";

static int die_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "sspsim: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see sspsim --help)\n");
	return 2;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* The daemon holds an exclusive flock on DIR/sspsim.pid while it runs. */
static int pidfile_open(const char *dir, char *path, size_t len)
{
	snprintf(path, len, "%s/sspsim.pid", dir);
	return open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
}

static bool daemon_running(const char *dir, pid_t *pid)
{
	char path[PATH_MAX + 16], buf[32] = "";
	bool running;
	ssize_t n;
	int fd = pidfile_open(dir, path, sizeof(path));

	if (fd < 0)
		return false;
	running = flock(fd, LOCK_EX | LOCK_NB) < 0;
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n > 0)
		buf[n] = 0;
	*pid = (pid_t)atoi(buf);
	close(fd);
	return running;
}

static void print_log_tail(const char *dir)
{
	char path[PATH_MAX + 16], lines[20][512];
	unsigned int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/sspsim.log", dir);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(lines[n % 20], sizeof(lines[0]), f))
		n++;
	fclose(f);
	fprintf(stderr, "sspsim: last lines of %s:\n", path);
	for (unsigned int i = n > 20 ? n - 20 : 0; i < n; i++)
		fprintf(stderr, "  %s", lines[i % 20]);
}

static int parse_series(const char *s, enum ssp_series *out, enum sim_kind *kind)
{
	*kind = SIM_KIND_STM32MP;
	*out = SSP_SERIES_MP15;
	if (!strcmp(s, "mp13"))
		*out = SSP_SERIES_MP13;
	else if (!strcmp(s, "mp25"))
		*kind = SIM_KIND_MP25;
	else if (!strcmp(s, "uboot"))
		*kind = SIM_KIND_UBOOT;
	else if (strcmp(s, "mp15"))
		return -EINVAL;
	return 0;
}

static int run_daemon(const char *dir, struct sim_chip **chips, unsigned int n, const int *ports)
{
	char path[PATH_MAX + 16], buf[32];
	int fd, logfd, nul;

	setsid();
	snprintf(path, sizeof(path), "%s/sspsim.log", dir);
	logfd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (logfd < 0 || nul < 0)
		return 1;
	dup2(nul, 0);
	dup2(logfd, 1);
	dup2(logfd, 2);
	setvbuf(stderr, NULL, _IOLBF, 0);
	sim_log_to_stderr = true;
	fd = pidfile_open(dir, path, sizeof(path));
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0) {
		fprintf(stderr, "sspsim: %s: another simulator holds it\n", path);
		return 1;
	}
	snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, strlen(buf), 0) < 0)
		fprintf(stderr, "sspsim: %s: cannot write the pid\n", path);
	fprintf(stderr, "sspsim: daemon %d serving %u chip(s)\n", (int)getpid(), n);
	sim_daemon_run(chips, n, ports);
	fprintf(stderr, "sspsim: daemon %d stopped\n", (int)getpid());
	unlink(path);
	close(fd);
	return 0;
}

static int cmd_start(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state", required_argument, NULL, 's' }, { "series", required_argument, NULL, 'S' },
		{ "chips", required_argument, NULL, 'n' }, { "fault", required_argument, NULL, 'f' },
		{ "timing", required_argument, NULL, 't' }, { "timeout", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL, *timing_name = "fast";
	char err[512], serials[SIM_MAX_CHIPS][SIM_SERIAL_LEN + 1];
	enum ssp_series series = SSP_SERIES_MP15, have_series[SIM_MAX_CHIPS];
	enum sim_kind kind = SIM_KIND_STM32MP, have_kind[SIM_MAX_CHIPS];
	struct sim_fault faults[SIM_MAX_FAULTS];
	unsigned int nfaults = 0, timeout = 60;
	struct sim_chip *chips[SIM_MAX_CHIPS] = { NULL };
	int ports[SIM_MAX_CHIPS], lockfds[SIM_MAX_CHIPS], nchips = -1, nhave, o;
	bool series_given = false;
	const struct sim_timing *timing;
	struct sim_store store;
	pid_t pid;
	uint64_t waited = 0;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 's': dir = optarg; break;
		case 'S':
			if (parse_series(optarg, &series, &kind))
				return die_usage("--series must be mp15, mp13, mp25 or uboot, not '%s'", optarg);
			series_given = true;
			break;
		case 'n':
			nchips = atoi(optarg);
			if (nchips < 1 || nchips > SIM_MAX_CHIPS)
				return die_usage("--chips must be 1..64, not '%s'", optarg);
			break;
		case 'f':
			if (nfaults == SIM_MAX_FAULTS)
				return die_usage("at most 16 --fault options%s", "");
			if (sim_fault_parse(optarg, &faults[nfaults], err, sizeof(err))) {
				fprintf(stderr, "sspsim: %s\n", err);
				return 2;
			}
			nfaults++;
			break;
		case 't': timing_name = optarg; break;
		case 'T': timeout = (unsigned int)atoi(optarg); break;
		default: return 2;
		}
	}
	if (!dir)
		return die_usage("start needs --state DIR%s", "");
	timing = sim_timing_get(timing_name);
	if (!timing)
		return die_usage("--timing must be fast or realistic, not '%s'", timing_name);
	if (daemon_running(dir, &pid)) {
		fprintf(stderr, "sspsim: %s: a simulator already serves this state directory (pid %d); run `sspsim stop --state %s` first\n",
			dir, (int)pid, dir);
		return 1;
	}
	if (!vhci_present()) {
		fprintf(stderr, "sspsim: %s/attach is missing or not writable: load vhci-hcd (modprobe vhci-hcd) and run as root\n",
			VHCI_SYSFS);
		return 1;
	}
	if (sim_store_open(&store, dir, err, sizeof(err))) {
		fprintf(stderr, "sspsim: %s\n", err);
		return 1;
	}
	nhave = sim_store_list(dir, serials, SIM_MAX_CHIPS, have_series, have_kind);
	if (nhave < 0) {
		fprintf(stderr, "sspsim: %s: cannot list the chips: %s\n", dir, strerror(-nhave));
		return 1;
	}
	if (nhave > 0 && !series_given) {
		series = have_series[0];
		kind = have_kind[0];
	}
	if (nchips < 0)
		nchips = nhave > 0 ? nhave : 1;
	for (int i = 0; i < nchips; i++) {
		int ret;

		chips[i] = calloc(1, sizeof(*chips[i]));
		if (!chips[i]) {
			fprintf(stderr, "sspsim: out of memory\n");
			return 1;
		}
		if (i < nhave) {
			if (have_series[i] != series || have_kind[i] != kind) {
				fprintf(stderr, "sspsim: %s/%s is an %s chip, not %s: use another state directory\n",
					dir, serials[i], sim_model_name(have_kind[i], have_series[i]),
					sim_model_name(kind, series));
				return 1;
			}
			ret = sim_chip_load(chips[i], &store, serials[i], err, sizeof(err));
		} else {
			ret = sim_chip_create_kind(chips[i], &store, kind, series, (unsigned int)i, err,
						   sizeof(err));
		}
		if (ret) {
			fprintf(stderr, "sspsim: %s\n", err);
			return 1;
		}
		chips[i]->timing = timing;
	}
	for (unsigned int k = 0; k < nfaults; k++) {
		if (faults[k].chip >= nchips) {
			fprintf(stderr, "sspsim: --fault names chip %d but there are %d chips (0..%d)\n",
				faults[k].chip, nchips, nchips - 1);
			return 2;
		}
		for (int i = 0; i < nchips; i++)
			if (faults[k].chip < 0 || faults[k].chip == i)
				chips[i]->faults.f[chips[i]->faults.n++] = faults[k];
	}
	if (sim_daemon_reserve(chips, (unsigned int)nchips, ports, lockfds, err, sizeof(err))) {
		fprintf(stderr, "sspsim: %s\n", err);
		return 1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror("sspsim: fork");
		return 1;
	}
	if (pid == 0)
		_exit(run_daemon(dir, chips, (unsigned int)nchips, ports));

	/* Foreground: succeed only once the kernel has enumerated every chip. */
	for (;;) {
		int st, ready = 0;

		for (int i = 0; i < nchips; i++) {
			char serial[128];

			sim_desc_serial(chips[i], serial, sizeof(serial));
			ready += usb_serial_present(serial);
		}
		if (ready == nchips)
			break;
		if (waitpid(pid, &st, WNOHANG) == pid) {
			fprintf(stderr, "sspsim: the simulator daemon exited before the chips enumerated\n");
			print_log_tail(dir);
			return 1;
		}
		if (waited >= (uint64_t)timeout * 1000) {
			fprintf(stderr, "sspsim: only %d of %d chips enumerated within %u s (see dmesg); stopping the simulator\n",
				ready, nchips, timeout);
			print_log_tail(dir);
			kill(pid, SIGTERM);
			return 1;
		}
		sleep_ms(50);
		waited += 50;
	}
	for (int i = 0; i < nchips; i++)
		printf("%u %s\n", chips[i]->index, chips[i]->serial);
	return 0;
}

static int cmd_stop(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state", required_argument, NULL, 's' }, { NULL, 0, NULL, 0 },
	};
	char serials[SIM_MAX_CHIPS][SIM_SERIAL_LEN + 1];
	const char *dir = NULL;
	int o, n, waited = 0;
	pid_t pid;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o != 's')
			return 2;
		dir = optarg;
	}
	if (!dir)
		return die_usage("stop needs --state DIR%s", "");
	if (!daemon_running(dir, &pid)) {
		fprintf(stderr, "sspsim: no simulator runs for %s\n", dir);
		return 0;
	}
	if (pid <= 0 || kill(pid, SIGTERM) < 0) {
		fprintf(stderr, "sspsim: %s/sspsim.pid: cannot signal pid %d: %s\n", dir, (int)pid,
			strerror(errno));
		return 1;
	}
	while (daemon_running(dir, &pid)) {
		if (waited >= 15000) {
			fprintf(stderr, "sspsim: the simulator (pid %d) did not stop within 15 s\n", (int)pid);
			return 1;
		}
		sleep_ms(50);
		waited += 50;
	}
	/* Return once the kernel has let go of the devices. */
	n = sim_store_list(dir, serials, SIM_MAX_CHIPS, NULL, NULL);
	for (int i = 0; i < n; i++)
		while (usb_serial_present(serials[i]) && waited < 25000) {
			sleep_ms(50);
			waited += 50;
		}
	return 0;
}

static int cmd_otp(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state", required_argument, NULL, 's' }, { "chip", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL, *serial = NULL;
	char path[PATH_MAX];
	struct sim_otp otp;
	int o, ret;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o == 's')
			dir = optarg;
		else if (o == 'c')
			serial = optarg;
		else
			return 2;
	}
	if (!dir || !serial)
		return die_usage("otp needs --state DIR --chip SERIAL%s", "");
	if (strlen(serial) != SIM_SERIAL_LEN || strchr(serial, '/'))
		return die_usage("'%s' is not a 24-digit chip serial", serial);
	snprintf(path, sizeof(path), "%s/%s/otp.bin", dir, serial);
	memset(&otp, 0, sizeof(otp));
	ret = sim_otp_load(&otp, path);
	if (ret) {
		fprintf(stderr, "sspsim: %s: cannot read the OTP image: %s\n", path, strerror(-ret));
		return 1;
	}
	for (unsigned int w = 0; w < SSP_OTP_WORDS; w++)
		if (otp.word[w])
			printf("%u 0x%08x\n", w, otp.word[w]);
	printf("locked");
	for (unsigned int w = 0; w < SSP_OTP_WORDS; w++)
		if (sim_otp_locked(&otp, w))
			printf(" %u", w);
	printf("\n");
	return 0;
}

static int cmd_mkfw(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' }, { "key", required_argument, NULL, 'k' },
		{ "pub-out", required_argument, NULL, 'p' }, { "version", required_argument, NULL, 'v' },
		{ "size", required_argument, NULL, 'z' }, { "series", required_argument, NULL, 's' },
		{ "table", required_argument, NULL, 't' }, { NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *key = NULL, *pub_out = NULL, *table_file[SSP_MP13_PKH_TABLE_MAX];
	uint8_t priv[SSP_PRIV_LEN], pub[SSP_PUB_LEN], table[SSP_MP13_PKH_TABLE_MAX][SSP_PUB_LEN];
	uint8_t *img, *payload;
	struct ssp_stm32_params p;
	enum ssp_series series = SSP_SERIES_MP15;
	unsigned long size = SIM_FW_DEFAULT_SIZE, version = 0;
	size_t hsize, ntable = 0;
	int o, ret;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'o': out = optarg; break;
		case 'k': key = optarg; break;
		case 'p': pub_out = optarg; break;
		case 'v': version = strtoul(optarg, NULL, 0); break;
		case 'z': size = strtoul(optarg, NULL, 0); break;
		case 's':
			if (!strcmp(optarg, "mp15"))
				series = SSP_SERIES_MP15;
			else if (!strcmp(optarg, "mp13"))
				series = SSP_SERIES_MP13;
			else
				return die_usage("mkfw --series must be mp15 or mp13, not '%s'", optarg);
			break;
		case 't':
			if (ntable == SSP_MP13_PKH_TABLE_MAX)
				return die_usage("mkfw takes at most 8 --table keys%s", "");
			table_file[ntable++] = optarg;
			break;
		default: return 2;
		}
	}
	if (!out)
		return die_usage("mkfw needs --out FILE%s", "");
	if (ntable && series != SSP_SERIES_MP13)
		return die_usage("mkfw --table is for --series mp13 (header v2.0)%s", "");
	if (size < 64 || size > 120 * 1024)
		return die_usage("--size must be 64..122880 bytes (the MP13 ROM takes 128 KiB with the header)%s", "");
	if (key)
		ret = ssp_pem_read_priv(key, priv);
	else
		ret = ssp_ec_key_from_seed(SIM_TEST_OEM_LABEL, "sspsim", 6, priv, pub);
	if (!ret)
		ret = ssp_ec_pub_from_priv(priv, pub);
	if (ret) {
		fprintf(stderr, "sspsim: %s: cannot read the OEM private key: %s\n", key ? key : "(test key)",
			strerror(-ret));
		return 1;
	}
	for (size_t i = 0; i < ntable; i++) {
		if (ssp_pem_read_pub(table_file[i], table[i])) {
			fprintf(stderr, "sspsim: %s: not a readable P-256 public key PEM\n", table_file[i]);
			ssp_wipe(priv, sizeof(priv));
			return 1;
		}
	}
	memset(&p, 0, sizeof(p));
	p.header_version = ssp_stm32_rom_header_version(series);
	if (series == SSP_SERIES_MP13) {
		/* §A.3: the MP13 payload runs at the SYSRAM base, the header is kept apart. */
		p.entry_point = SIM_FW_LOAD_MP13;
		p.load_address = SIM_FW_LOAD_MP13;
		p.table = ntable ? (const uint8_t (*)[SSP_PUB_LEN])table : NULL;
		p.table_len = ntable;
	} else {
		p.entry_point = SIM_FW_LOAD_MP15 + SSP_STM32_HDR_SIZE;
		p.load_address = SIM_FW_LOAD_MP15;
	}
	p.image_version = (uint32_t)version;
	p.binary_type = 0x10;	/* TF-A BL2 */
	hsize = ssp_stm32_header_size(p.header_version);
	img = calloc(1, hsize + size);
	payload = malloc(size);
	if (!img || !payload) {
		fprintf(stderr, "sspsim: out of memory\n");
		return 1;
	}
	/* Recognisable filler: the simulator runs no code from it. */
	for (unsigned long i = 0; i < size; i++)
		payload[i] = (uint8_t)("sspsim test TF-A SSP image "[i % 27] ^ (i >> 8));
	ret = ssp_stm32_image_build(&p, payload, size, priv, img, hsize + size);
	ssp_wipe(priv, sizeof(priv));
	if (ret == -ENOKEY) {
		fprintf(stderr, "sspsim: %s: the signing key is not one of the --table keys\n", out);
		free(img);
		free(payload);
		return 1;
	}
	if (!ret)
		ret = ssp_write_file_atomic(out, img, hsize + size, 0644, NULL);
	if (!ret && pub_out)
		ret = ssp_pem_write_pub(pub_out, pub);
	free(img);
	free(payload);
	if (ret) {
		fprintf(stderr, "sspsim: %s: cannot write the firmware: %s\n", out, strerror(-ret));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "start", cmd_start }, { "stop", cmd_stop }, { "otp", cmd_otp }, { "mkfw", cmd_mkfw },
	};

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	return die_usage("unknown command '%s'", argv[1]);
}
