// SPDX-License-Identifier: GPL-2.0-only
/* sspctl list: every slot the driver knows, from the netlink GET_DEVICE dump. */
#include <stdio.h>
#include <stdlib.h>

#include <json-c/json.h>

#include "commands.h"
#include "dev.h"
#include "events.h"
#include "opts.h"

static json_object *entry_json(const struct ssp_dev_entry *d)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "dev", json_object_new_string(d->devname));
	json_object_object_add(o, "minor", json_object_new_int(d->minor));
	json_object_object_add(o, "serial", json_object_new_string(d->serial));
	json_object_object_add(o, "port", json_object_new_string(d->port));
	json_object_object_add(o, "chip_id", json_object_new_int(d->chip_id));
	json_object_object_add(o, "chip", json_object_new_string(ssp_chip_name(d->chip_id)));
	json_object_object_add(o, "revision", json_object_new_int(d->revision));
	json_object_object_add(o, "stage", json_object_new_string(ssp_stage_name(d->stage)));
	json_object_object_add(o, "state", json_object_new_string(ssp_state_name(d->state)));
	json_object_object_add(o, "generation", json_object_new_int(d->generation));
	return o;
}

static int cmd_list(int argc, char **argv)
{
	struct ssp_dev_entry *v;
	struct ssp_err e = { 0 };
	int json, via_sysfs, ret;
	size_t n;

	ret = json_opts(argc, argv, "usage: sspctl list [--json]\n",
			"List the chips on /dev/sspN: serial, USB port, chip, stage, state.\n", 0, &json);
	if (ret != OPTS_GO_ON)
		return ret;
	if (ssp_dev_list(&v, &n, &via_sysfs, &e)) {
		fprintf(stderr, "sspctl list: %s\n", e.msg);
		return SSPCTL_EXIT_FAIL;
	}
	if (via_sysfs)
		fprintf(stderr, "sspctl list: netlink family %s not registered; listed from /sys/class/stm32_ssp instead\n",
			STM32_SSP_GENL_NAME);
	if (json) {
		json_object *a = json_object_new_array();

		for (size_t i = 0; i < n; i++)
			json_object_array_add(a, entry_json(&v[i]));
		printf("%s\n", json_object_to_json_string_ext(a, JSON_C_TO_STRING_PRETTY |
							      JSON_C_TO_STRING_SPACED));
		json_object_put(a);
	} else if (!n) {
		printf("no chip attached\n");
	} else {
		printf("%-7s %-25s %-10s %-10s %-6s %-7s %-8s %s\n", "DEV", "SERIAL", "PORT", "CHIP",
		       "REV", "STAGE", "STATE", "GEN");
		for (size_t i = 0; i < n; i++)
			printf("%-7s %-25s %-10s %-10s 0x%04X %-7s %-8s %u\n", v[i].devname,
			       v[i].serial, v[i].port, ssp_chip_name(v[i].chip_id), v[i].revision,
			       ssp_stage_name(v[i].stage), ssp_state_name(v[i].state),
			       v[i].generation);
	}
	free(v);
	return SSPCTL_OK;
}

SSPCTL_COMMAND(list, "list", "list the chips attached (/dev/sspN)", cmd_list);
