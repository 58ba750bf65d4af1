// SPDX-License-Identifier: GPL-2.0-only
/*
 * sspctl release DEV|PORT..., sspctl claim PORT..., sspctl ports: hand the
 * chips on USB ports to other tools (dfu-util, STM32CubeProgrammer) and take
 * them back (ports.h). Release and claim need CAP_NET_ADMIN: they are an
 * operator's actions, which the capability-less watch service cannot take.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "commands.h"
#include "dev.h"
#include "events.h"
#include "opts.h"
#include "ports.h"

/* The port of DEV (sspN, /dev/sspN or a chip serial), or DEV when it is a port. */
static int port_of(const char *arg, char *port, size_t len, struct ssp_err *e)
{
	const char *name = arg;
	struct ssp_dev_entry *v;
	int via_sysfs, ret;
	size_t n;

	if (!ssp_port_check(arg)) {
		snprintf(port, len, "%s", arg);
		return 0;
	}
	/* A digit and a '-': meant as a port (serials are hex, names sspN). */
	if (isdigit((unsigned char)arg[0]) && strchr(arg, '-'))
		return ssp_errf(e, -EINVAL, "\"%.40s\" is not a USB port path (BUS-PORT[.PORT...]: bus 1..999, ports 1..255, at most 6 tiers, e.g. 1-1.2, as in /sys/bus/usb/devices)",
				arg);
	if (!strncmp(name, "/dev/", 5))
		name += 5;
	ret = ssp_dev_list(&v, &n, &via_sysfs, e);
	if (ret)
		return ssp_err_prefix(e, "%s: finding its USB port", arg);
	ret = ssp_errf(e, -ENODEV, "%s: no such chip (not a port path BUS-PORT[.PORT...], nor sspN, /dev/sspN or the serial of a chip in `sspctl list`); a chip released already has no sspN: name its port",
		       arg);
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(v[i].devname, name) || !strcmp(v[i].serial, arg)) {
			snprintf(port, len, "%s", v[i].port);
			ret = 0;
			e->code = 0;
			break;
		}
	}
	free(v);
	return ret;
}

static int usb_device_on(const char *port)
{
	char path[96];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/bus/usb/devices/%s", port);
	return stat(path, &st) == 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* After a claim: the slot that appears on port within timeout_s, or -ETIMEDOUT. */
static int wait_slot(const char *port, double timeout_s, struct ssp_dev_entry *out,
		     struct ssp_err *e)
{
	double end = now() + timeout_s;

	for (;;) {
		struct ssp_dev_entry *v;
		int via_sysfs, found = 0;
		size_t n;

		if (ssp_dev_list(&v, &n, &via_sysfs, e))
			return e->code;
		for (size_t i = 0; i < n && !found; i++) {
			if (!strcmp(v[i].port, port) &&
			    v[i].state != STM32_SSP_STATE_GONE) {
				*out = v[i];
				found = 1;
			}
		}
		free(v);
		if (found)
			return 0;
		if (now() >= end)
			return -ETIMEDOUT;
		usleep(100000);
	}
}

static void usage_release(FILE *f)
{
	fprintf(f, "usage: sspctl release DEV|PORT...\n"
		   "Hand the chip on each USB port to other tools (dfu-util, STM32CubeProgrammer):\n"
		   "its /dev/sspN ends, the driver unbinds it and leaves whatever enumerates on the\n"
		   "port alone, across resets, until `sspctl claim PORT`. DEV is sspN, /dev/sspN or\n"
		   "a chip serial; PORT a USB port path as in /sys/bus/usb/devices (1-1.2).\n"
		   "Needs CAP_NET_ADMIN (root).\n");
}

static void usage_claim(FILE *f)
{
	fprintf(f, "usage: sspctl claim [--timeout SEC] [--no-wait] PORT...\n"
		   "Take released USB ports back: the chip on each is bound now and gets a /dev/sspN\n"
		   "(waited for up to --timeout seconds, default 10). Needs CAP_NET_ADMIN (root).\n");
}

static int cmd_release(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, failed = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			usage_release(stdout);
			return SSPCTL_OK;
		}
		usage_release(stderr);
		return SSPCTL_EXIT_USAGE;
	}
	if (optind == argc) {
		usage_release(stderr);
		return SSPCTL_EXIT_USAGE;
	}
	for (int i = optind; i < argc; i++) {
		struct ssp_err e = { 0 };
		char port[64];

		if (port_of(argv[i], port, sizeof(port), &e) || ssp_port_release(port, &e)) {
			fprintf(stderr, "sspctl release: %s\n", e.msg);
			failed++;
			continue;
		}
		if (strcmp(port, argv[i]))
			printf("%s: port %s released to other tools\n", argv[i], port);
		else
			printf("port %s released to other tools\n", port);
	}
	return failed ? SSPCTL_EXIT_FAIL : SSPCTL_OK;
}

static int cmd_claim(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "no-wait", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	double timeout = 10;
	int c, failed = 0, wait = 1;
	char *end;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			timeout = strtod(optarg, &end);
			if (end == optarg || *end || !(timeout >= 0 && timeout <= 3600)) {
				fprintf(stderr, "sspctl claim: --timeout \"%s\": give seconds from 0 to 3600\n",
					optarg);
				return SSPCTL_EXIT_USAGE;
			}
			break;
		case 'n':
			wait = 0;
			break;
		case 'h':
			usage_claim(stdout);
			return SSPCTL_OK;
		default:
			usage_claim(stderr);
			return SSPCTL_EXIT_USAGE;
		}
	}
	if (optind == argc) {
		usage_claim(stderr);
		return SSPCTL_EXIT_USAGE;
	}
	for (int i = optind; i < argc; i++) {
		const char *port = argv[i];
		struct ssp_err e = { 0 };
		struct ssp_dev_entry d;
		int ret;

		if (ssp_port_claim(port, &e)) {
			fprintf(stderr, "sspctl claim: %s\n", e.msg);
			failed++;
			continue;
		}
		if (!usb_device_on(port)) {
			printf("port %s claimed; no USB device on it now: the next chip there gets a /dev/sspN\n",
			       port);
			continue;
		}
		if (!wait) {
			printf("port %s claimed\n", port);
			continue;
		}
		ret = wait_slot(port, timeout, &d, &e);
		if (!ret) {
			printf("port %s claimed: chip %s on /dev/%s\n", port, d.serial, d.devname);
		} else if (ret == -ETIMEDOUT) {
			fprintf(stderr, "sspctl claim: port %s claimed, but its USB device got no /dev/sspN within %g s: not an STM32MP ROM or SSP firmware, or its probe failed (see the kernel log: dmesg | grep stm32_ssp)\n",
				port, timeout);
			failed++;
		} else {
			fprintf(stderr, "sspctl claim: port %s claimed; waiting for its /dev/sspN: %s\n",
				port, e.msg);
			failed++;
		}
	}
	return failed ? SSPCTL_EXIT_FAIL : SSPCTL_OK;
}

static int cmd_ports(int argc, char **argv)
{
	struct ssp_err e = { 0 };
	struct ssp_port_entry *v;
	int json, ret;
	size_t n;

	ret = json_opts(argc, argv, "usage: sspctl ports [--json]\n",
			"List the USB ports stm32_ssp leaves to other tools: in the ignore_ports\n"
			"module parameter, or released by `sspctl release`.\n", 0, &json);
	if (ret != OPTS_GO_ON)
		return ret;
	if (ssp_port_list(&v, &n, &e)) {
		fprintf(stderr, "sspctl ports: %s\n", e.msg);
		return SSPCTL_EXIT_FAIL;
	}
	if (json) {
		json_object *a = json_object_new_array();

		for (size_t i = 0; i < n; i++) {
			json_object *o = json_object_new_object();

			json_object_object_add(o, "port", json_object_new_string(v[i].port));
			json_object_object_add(o, "ignored", json_object_new_boolean(
					       !!(v[i].flags & STM32_SSP_PORT_IGNORED)));
			json_object_object_add(o, "released", json_object_new_boolean(
					       !!(v[i].flags & STM32_SSP_PORT_RELEASED)));
			json_object_array_add(a, o);
		}
		printf("%s\n", json_object_to_json_string_ext(a, JSON_C_TO_STRING_PRETTY |
							      JSON_C_TO_STRING_SPACED));
		json_object_put(a);
	} else if (!n) {
		printf("no port left to other tools\n");
	} else {
		printf("%-12s %s\n", "PORT", "WHY");
		for (size_t i = 0; i < n; i++)
			printf("%-12s %s%s%s\n", v[i].port,
			       v[i].flags & STM32_SSP_PORT_IGNORED ? "ignore_ports" : "",
			       (v[i].flags & STM32_SSP_PORT_IGNORED) &&
			       (v[i].flags & STM32_SSP_PORT_RELEASED) ? "," : "",
			       v[i].flags & STM32_SSP_PORT_RELEASED ? "released" : "");
	}
	free(v);
	return SSPCTL_OK;
}

SSPCTL_COMMAND(release, "release", "hand the chips on USB ports to dfu-util and other tools",
	       cmd_release);
SSPCTL_COMMAND(claim, "claim", "take released USB ports back (the chip gets a /dev/sspN)",
	       cmd_claim);
SSPCTL_COMMAND(ports, "ports", "list the USB ports left to other tools", cmd_ports);
