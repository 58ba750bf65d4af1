// SPDX-License-Identifier: GPL-2.0-only
/* sspctl info DEV: what the driver knows of one chip (STM32_SSP_IOC_GET_INFO). */
#include <getopt.h>
#include <stdio.h>

#include <json-c/json.h>

#include "commands.h"
#include "dev.h"
#include "opts.h"

/*
 * The alternates the driver maps to a phase, in the order of dfu-util -l's
 * "alt=N, name=..." lines. null in JSON (and a note in text) when the
 * driver predates the map (its reply is shorter than VER1).
 */
static json_object *phase_map_json(const struct stm32_ssp_info *info)
{
	json_object *a;

	if (info->size < STM32_SSP_INFO_SIZE_VER1)
		return NULL;
	a = json_object_new_array();
	for (unsigned int i = 0; i < info->num_phase_alts; i++) {
		const struct stm32_ssp_alt *alt = &info->alts[i];
		json_object *o = json_object_new_object();

		json_object_object_add(o, "alt", json_object_new_int(alt->alt));
		json_object_object_add(o, "phase", json_object_new_int(alt->phase));
		json_object_object_add(o, "size", json_object_new_int64(alt->size));
		json_object_object_add(o, "name", json_object_new_string(alt->name));
		json_object_array_add(a, o);
	}
	return a;
}

static void print_phase_map(const struct stm32_ssp_info *info)
{
	if (info->size < STM32_SSP_INFO_SIZE_VER1) {
		printf("phase map:     not reported (the stm32_ssp module is older than this sspctl)\n");
		return;
	}
	printf("phase map:     %u of the alternates\n", info->num_phase_alts);
	for (unsigned int i = 0; i < info->num_phase_alts; i++) {
		const struct stm32_ssp_alt *alt = &info->alts[i];

		printf("  alt %-3u phase 0x%02X  %10u bytes  %s\n", alt->alt, alt->phase, alt->size,
		       alt->name);
	}
}

static int cmd_info(int argc, char **argv)
{
	struct ssp_err e = { 0 };
	struct stm32_ssp_info info;
	struct ssp_dev d;
	int json, ret;

	ret = json_opts(argc, argv, "usage: sspctl info [--json] DEV\n"
			"DEV is sspN, /dev/sspN or a chip serial.\n", NULL, 1, &json);
	if (ret != OPTS_GO_ON)
		return ret;
	ret = ssp_dev_open(argv[optind], 0, &d, &e);
	if (!ret)
		ret = ssp_dev_info(&d, &info, &e);
	ssp_dev_close(&d);
	if (ret) {
		fprintf(stderr, "sspctl info: %s\n", e.msg);
		return SSPCTL_EXIT_FAIL;
	}
	if (json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "dev", json_object_new_string(d.name));
		json_object_object_add(o, "serial", json_object_new_string(info.serial));
		json_object_object_add(o, "port", json_object_new_string(info.port_path));
		json_object_object_add(o, "chip_id", json_object_new_int(info.chip_id));
		json_object_object_add(o, "chip", json_object_new_string(ssp_chip_name(info.chip_id)));
		json_object_object_add(o, "revision", json_object_new_int(info.revision));
		json_object_object_add(o, "stage", json_object_new_string(ssp_stage_name(info.stage)));
		json_object_object_add(o, "state", json_object_new_string(ssp_state_name(info.state)));
		json_object_object_add(o, "generation", json_object_new_int(info.generation));
		json_object_object_add(o, "seq", json_object_new_int(info.seq));
		json_object_object_add(o, "transfer_size", json_object_new_int(info.transfer_size));
		json_object_object_add(o, "alternates", json_object_new_int(info.num_alts));
		json_object_object_add(o, "product", json_object_new_string(info.product));
		json_object_object_add(o, "phase_map", phase_map_json(&info));
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							      JSON_C_TO_STRING_SPACED));
		json_object_put(o);
		return SSPCTL_OK;
	}
	printf("device:        /dev/%s\n", d.name);
	printf("serial:        %s\n", info.serial);
	printf("port:          %s\n", info.port_path);
	printf("chip:          %s (0x%03X), revision 0x%04X\n", ssp_chip_name(info.chip_id),
	       info.chip_id, info.revision);
	printf("stage:         %s\n", ssp_stage_name(info.stage));
	printf("state:         %s\n", ssp_state_name(info.state));
	printf("generation:    %u\n", info.generation);
	printf("transfer size: %u\n", info.transfer_size);
	printf("alternates:    %u\n", info.num_alts);
	printf("product:       %s\n", info.product);
	print_phase_map(&info);
	return SSPCTL_OK;
}

SSPCTL_COMMAND(info, "info", "show what the driver knows of one chip", cmd_info);
