// SPDX-License-Identifier: GPL-2.0-only
/*
 * sspsim unit tests of the device shapes the driver's lifetime selftests
 * use (faults in descriptors.c): two-interfaces, long-serial, foreign-fsbl
 * and many-alts, read back through sim_desc_get() as the kernel would.
 */
#include "kselftest_harness.h"

#include "test_sim_helpers.h"

#define DT_CONFIG	2
#define DT_STRING	3
#define DT_INTERFACE	4
#define DT_DFU		0x21

struct shape {
	char dir[64];
	struct sim_store store;
	struct sim_chip chip;
	uint8_t buf[SIM_REPLY_MAX];
};

static int shape_setup(struct shape *t, const char *fault)
{
	char err[512];
	int ret;

	memset(t, 0, sizeof(*t));
	strcpy(t->dir, "/tmp/ssp-test-shape-XXXXXX");
	if (!mkdtemp(t->dir))
		return -errno;
	ret = sim_store_open(&t->store, t->dir, err, sizeof(err));
	if (!ret)
		ret = sim_chip_create(&t->chip, &t->store, SSP_SERIES_MP15, 0, err, sizeof(err));
	if (!ret && fault) {
		ret = sim_fault_parse(fault, &t->chip.faults.f[0], err, sizeof(err));
		t->chip.faults.n = 1;
	}
	if (ret)
		fprintf(stderr, "# %s\n", err);
	return ret;
}

static void shape_teardown(struct shape *t)
{
	char cmd[96];

	sim_chip_free(&t->chip);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", t->dir);
	if (system(cmd))
		fprintf(stderr, "# cannot remove %s\n", t->dir);
}

/* Count descriptors of @type in a configuration; @ifnum_max gets the largest bInterfaceNumber. */
static int count_desc(const uint8_t *p, int len, uint8_t type, int *ifnum_max)
{
	int n = 0;

	for (int off = 0; off + 2 <= len && p[off] >= 2; off += p[off]) {
		if (p[off + 1] != type)
			continue;
		n++;
		if (type == DT_INTERFACE && ifnum_max && p[off + 2] > *ifnum_max)
			*ifnum_max = p[off + 2];
	}
	return n;
}

static void ascii(const uint8_t *d, int len, char *out, size_t max)
{
	size_t i;

	for (i = 0; (int)(2 + 2 * i) < len && i + 1 < max; i++)
		out[i] = (char)d[2 + 2 * i];
	out[i] = 0;
}

TEST(two_interfaces_repeat_the_first)
{
	struct shape t;
	int len, ifmax = -1, plain;

	ASSERT_EQ(0, shape_setup(&t, NULL));
	plain = sim_desc_get(&t.chip, DT_CONFIG, 0, t.buf, sizeof(t.buf));
	ASSERT_LT(0, plain);
	EXPECT_EQ(1, t.buf[4]);
	shape_teardown(&t);

	ASSERT_EQ(0, shape_setup(&t, "0:two-interfaces"));
	len = sim_desc_get(&t.chip, DT_CONFIG, 0, t.buf, sizeof(t.buf));
	ASSERT_LT(0, len);
	EXPECT_EQ(len, t.buf[2] | t.buf[3] << 8);
	EXPECT_EQ(2, t.buf[4]);				/* bNumInterfaces */
	EXPECT_EQ(2 * plain - 9, len);
	EXPECT_EQ(2 * 6, count_desc(t.buf, len, DT_INTERFACE, &ifmax));
	EXPECT_EQ(1, ifmax);
	EXPECT_EQ(2, count_desc(t.buf, len, DT_DFU, NULL));
	shape_teardown(&t);
}

TEST(long_serial_goes_on_past_the_uid)
{
	struct shape t;
	char s[128], want[128];
	int len;

	ASSERT_EQ(0, shape_setup(&t, "0:long-serial"));
	len = sim_desc_get(&t.chip, DT_STRING, 3, t.buf, sizeof(t.buf));
	ASSERT_LT(0, len);
	ascii(t.buf, len, s, sizeof(s));
	snprintf(want, sizeof(want), "%s-LONG-SERIAL-PAST-31-CHARACTERS", t.chip.serial);
	EXPECT_STREQ(want, s);
	EXPECT_EQ(55, strlen(s));
	sim_desc_serial(&t.chip, s, sizeof(s));
	EXPECT_STREQ(want, s);
	shape_teardown(&t);
}

TEST(foreign_fsbl_names_an_unknown_chip)
{
	struct shape t;
	char s[128];

	ASSERT_EQ(0, shape_setup(&t, "0:foreign-fsbl"));
	sim_desc_product(&t.chip, s, sizeof(s));
	EXPECT_EQ(0, strncmp(s, "DFU in HS Mode @Device ID /0x500", 32));	/* the ROM is itself */
	t.chip.stage = SIM_STAGE_TFA;
	sim_desc_product(&t.chip, s, sizeof(s));
	EXPECT_EQ(0, strncmp(s, "DFU @Device ID /0x4FF,", 22));
	shape_teardown(&t);
}

TEST(many_alts_has_128)
{
	struct shape t;
	int len;

	ASSERT_EQ(0, shape_setup(&t, "0:many-alts"));
	EXPECT_EQ(128, sim_desc_nalts(&t.chip));
	EXPECT_STREQ("@FSBL /0x01/1*1Me", sim_desc_alt_name(&t.chip, 1));
	EXPECT_STREQ("@Spare127 /0x04/1*1Ke", sim_desc_alt_name(&t.chip, 127));
	EXPECT_EQ(NULL, sim_desc_alt_name(&t.chip, 128));
	len = sim_desc_get(&t.chip, DT_CONFIG, 0, t.buf, sizeof(t.buf));
	ASSERT_LT(0, len);
	EXPECT_EQ(128, count_desc(t.buf, len, DT_INTERFACE, NULL));
	/* iInterface 6 + 127 answers with the last spare's name. */
	len = sim_desc_get(&t.chip, DT_STRING, 133, t.buf, sizeof(t.buf));
	EXPECT_LT(0, len);
	shape_teardown(&t);
}

TEST(shape_faults_take_no_argument)
{
	struct sim_fault f;
	char err[256];

	EXPECT_EQ(0, sim_fault_parse("all:two-interfaces", &f, err, sizeof(err)));
	EXPECT_EQ(SIM_FAULT_TWO_INTERFACES, f.kind);
	EXPECT_EQ(-EINVAL, sim_fault_parse("0:long-serial:3", &f, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "takes no argument"));
	EXPECT_EQ(0, sim_fault_parse("0:many-alts", &f, err, sizeof(err)));
	EXPECT_EQ(0, sim_fault_parse("0:foreign-fsbl", &f, err, sizeof(err)));
}

TEST_HARNESS_MAIN
