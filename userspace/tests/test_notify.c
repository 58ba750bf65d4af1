// SPDX-License-Identifier: GPL-2.0-only
/*
 * Service manager notifications (notify.h) against a fake systemd: an
 * AF_UNIX datagram socket the test binds and names in $NOTIFY_SOCKET, as
 * systemd does for a Type=notify unit. Without $NOTIFY_SOCKET nothing is sent.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "notify.h"

FIXTURE(fake_systemd) {
	char dir[48];
	char path[96];
	int fd;
};

FIXTURE_SETUP(fake_systemd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 2 };

	strcpy(self->dir, "/tmp/ssp-test-notify-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->path, sizeof(self->path), "%s/notify", self->dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", self->path);
	self->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, bind(self->fd, (struct sockaddr *)&sa, sizeof(sa)));
	ASSERT_EQ(0, setsockopt(self->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	setenv("NOTIFY_SOCKET", self->path, 1);
}

FIXTURE_TEARDOWN(fake_systemd)
{
	unsetenv("NOTIFY_SOCKET");
	close(self->fd);
	unlink(self->path);
	rmdir(self->dir);
}

/* The next datagram, as a string; "" on timeout. */
static void recv_msg(int fd, char *buf, size_t len)
{
	ssize_t n = recv(fd, buf, len - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
}

TEST_F(fake_systemd, ready_then_status_then_stopping)
{
	struct ssp_notify_counts c = { 0 };
	char msg[512];

	ASSERT_LT(0, ssp_notify_ready(&c));
	recv_msg(self->fd, msg, sizeof(msg));
	ASSERT_STREQ("READY=1\nSTATUS=watching for chips: 0 provisioned, 0 failed, 0 already provisioned, 0 in progress",
		     msg);

	c.provisioned = 3;
	c.failed = 1;
	c.already = 2;
	c.running = 4;
	ASSERT_LT(0, ssp_notify_status(&c));
	recv_msg(self->fd, msg, sizeof(msg));
	ASSERT_STREQ("STATUS=watching for chips: 3 provisioned, 1 failed, 2 already provisioned, 4 in progress",
		     msg);

	ASSERT_LT(0, ssp_notify_stopping(&c));
	recv_msg(self->fd, msg, sizeof(msg));
	ASSERT_EQ(0, strncmp(msg, "STOPPING=1\n", 11)) TH_LOG("%s", msg);
	ASSERT_NE(NULL, strstr(msg, "waiting for 4 chip(s)")) TH_LOG("%s", msg);
}

TEST_F(fake_systemd, nothing_is_sent_without_notify_socket)
{
	struct ssp_notify_counts c = { 0 };
	char msg[64];

	unsetenv("NOTIFY_SOCKET");
	ASSERT_EQ(0, ssp_notify_ready(&c));
	ASSERT_EQ(0, ssp_notify_status(&c));
	ASSERT_EQ(-1, recv(self->fd, msg, sizeof(msg), MSG_DONTWAIT));
	ASSERT_EQ(EAGAIN, errno);
}

TEST_F(fake_systemd, unreachable_socket_is_an_error_not_a_crash)
{
	struct ssp_notify_counts c = { 0 };

	setenv("NOTIFY_SOCKET", "/nonexistent/ssp-notify", 1);
	ASSERT_GT(0, ssp_notify_ready(&c));
}

TEST_HARNESS_MAIN
