// SPDX-License-Identifier: GPL-2.0-only
/*
 * sspctl watch: the provisioning daemon. It provisions every chip already
 * attached and every chip that appears later (netlink NEW events, or a
 * REATTACH of an idle slot newer than anything its last run saw: a chip
 * plugged back in), one run at a time per chip, any number of chips in
 * parallel. SIGTERM/SIGINT stop it once the runs in progress have ended.
 *
 * Under systemd (sspctl-watch@.service, Type=notify) it says READY=1 once it
 * listens for chips and STATUS= with its counts after each chip, and, its
 * stderr being the journal, logs structured records (journal.h) instead of
 * text lines: `journalctl -p err` then lists the chips that failed.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <json-c/json.h>

#include "commands.h"
#include "config.h"
#include "dev.h"
#include "events.h"
#include "journal.h"
#include "notify.h"
#include "progress.h"
#include "provision_cli.h"

#define WATCH_DEFAULT_CONFIG	"/etc/ssp/sspctl.conf"
#define WATCH_MAX_ATTEMPTS	3

struct slot {
	uint32_t minor;
	char devname[16];
	int running, pending, gone;
	uint32_t last_gen;	/* newest generation a run of ours saw */
	unsigned int attempts;	/* failed runs since the chip was new */
	int silent;		/* went silent in stage A (closed or hung): not retried while on the bus */
};

struct watch {
	struct ssp_prov_ctx ctx;
	struct progress *p;
	FILE *out;
	int json;		/* --json: JSON lines on out */
	int journal;		/* stderr is the journal: records, not text */
	unsigned int jobs, max_attempts, count;
	pthread_mutex_t lock;	/* everything below */
	pthread_cond_t idle;
	struct slot *slots;
	size_t nslots;
	unsigned int running, finished;
	struct ssp_notify_counts counts;	/* for STATUS= (running: see above) */
	int done_fd;		/* eventfd: a run finished (wakes run_loop) */
};

struct job {
	struct watch *w;
	uint32_t minor;
	struct ssp_prov_chip chip;
};

static struct slot *find_slot(struct watch *w, uint32_t minor, int add)
{
	struct slot *s;

	for (size_t i = 0; i < w->nslots; i++)
		if (w->slots[i].minor == minor)
			return &w->slots[i];
	if (!add)
		return NULL;
	s = realloc(w->slots, (w->nslots + 1) * sizeof(*s));
	if (!s)
		return NULL;
	w->slots = s;
	s = &w->slots[w->nslots++];
	memset(s, 0, sizeof(*s));
	s->minor = minor;
	snprintf(s->devname, sizeof(s->devname), "ssp%u", minor);
	return s;
}

/* A journal record of the daemon's own (dev may be NULL); 0 once sent. */
static int __attribute__((format(printf, 3, 4)))
journal_say(int prio, const char *dev, const char *fmt, ...)
{
	struct ssp_journal_rec *r = malloc(sizeof(*r));
	char msg[SSP_JOURNAL_FIELD_MAX];
	va_list ap;
	int ret;

	if (!r)
		return -ENOMEM;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ssp_journal_init(r, prio);
	ssp_journal_add(r, "MESSAGE", "%s", msg);
	ssp_journal_add(r, "MESSAGE_ID", "%s", SSP_JOURNAL_ID_DAEMON);
	if (dev)
		ssp_journal_add(r, "SSP_DEVICE", "%s", dev);
	ret = ssp_journal_send(r);
	free(r);
	return ret;
}

/* An error of the daemon itself: the journal's err priority, or stderr. */
static void __attribute__((format(printf, 2, 3)))
watch_error(const struct watch *w, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (w->journal && !journal_say(LOG_ERR, NULL, "sspctl watch: %s", msg))
		return;
	fprintf(stderr, "sspctl watch: %s\n", msg);
}

static void print_json(FILE *out, json_object *o)
{
	fprintf(out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

/* What the daemon decided about a slot (prio: for the journal). */
static void note(struct watch *w, const struct slot *s, int prio, const char *what)
{
	json_object *o;

	if (w->journal && !journal_say(prio, s->devname, "%s: %s", s->devname, what))
		return;
	if (w->json) {
		o = json_object_new_object();
		json_object_object_add(o, "event", json_object_new_string("watch"));
		json_object_object_add(o, "dev", json_object_new_string(s->devname));
		json_object_object_add(o, "what", json_object_new_string(what));
		print_json(w->out, o);
	} else {
		fprintf(w->out, "%s: %s\n", s->devname, what);
	}
	fflush(w->out);
}

/* STATUS= for systemctl status. Caller holds w->lock. */
static void notify_status_locked(struct watch *w)
{
	w->counts.running = w->running;
	ssp_notify_status(&w->counts);
}

/* Caller holds w->lock. */
static void count_result_locked(struct watch *w, enum ssp_prov_result r)
{
	if (r == SSP_PROV_PROVISIONED)
		w->counts.provisioned++;
	else if (r == SSP_PROV_CLOSED)
		w->counts.already++;
	else
		w->counts.failed++;
}

static void start_locked(struct watch *w, struct slot *s);

static void *chip_thread(void *arg)
{
	struct job *j = arg;
	struct watch *w = j->w;
	struct slot *s;

	ssp_provision_chip(&w->ctx, &j->chip);
	pthread_mutex_lock(&w->lock);
	s = find_slot(w, j->minor, 0);
	if (s) {
		s->running = 0;
		if (j->chip.generation > s->last_gen)
			s->last_gen = j->chip.generation;
		if (j->chip.result == SSP_PROV_PROVISIONED || j->chip.result == SSP_PROV_CLOSED)
			s->attempts = 0;
		else
			s->attempts++;
		/* Spec §7.3: a closed chip stays silent; another run would only repeat it. */
		if (j->chip.silent && !s->silent) {
			s->silent = 1;
			note(w, s, LOG_WARNING,
			     "no answer after the SSP firmware started (closed or hung): left alone until it leaves the bus");
		}
	}
	w->running--;
	w->finished++;
	count_result_locked(w, j->chip.result);
	if (eventfd_write(w->done_fd, 1))
		watch_error(w, "eventfd: %s", strerror(errno));
	/* A chip that waited for a free job slot goes now. */
	for (size_t i = 0; i < w->nslots; i++) {
		if (w->slots[i].pending && !w->slots[i].running) {
			w->slots[i].pending = 0;
			start_locked(w, &w->slots[i]);
			break;
		}
	}
	notify_status_locked(w);
	pthread_cond_broadcast(&w->idle);
	pthread_mutex_unlock(&w->lock);
	free(j);
	return NULL;
}

/* Caller holds w->lock. */
static void start_locked(struct watch *w, struct slot *s)
{
	pthread_attr_t attr;
	pthread_t th;
	struct job *j;

	if (s->running || s->gone)
		return;
	if (w->jobs && w->running >= w->jobs) {
		s->pending = 1;
		return;
	}
	j = calloc(1, sizeof(*j));
	if (!j) {
		note(w, s, LOG_ERR, "out of memory: not provisioned; restart sspctl-watch or replug the chip");
		return;
	}
	j->w = w;
	j->minor = s->minor;
	ssp_prov_chip_init(&j->chip, s->devname);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&th, &attr, chip_thread, j)) {
		note(w, s, LOG_ERR, "cannot start a thread: not provisioned; restart sspctl-watch or replug the chip");
		free(j);
	} else {
		s->running = 1;
		w->running++;
		notify_status_locked(w);
	}
	pthread_attr_destroy(&attr);
}

static void on_event(void *arg, const struct ssp_event *ev)
{
	struct watch *w = arg;
	struct slot *s;

	pthread_mutex_lock(&w->lock);
	switch (ev->cmd) {
	case STM32_SSP_CMD_NEW:
		s = find_slot(w, ev->dev.minor, 1);
		if (s) {
			s->gone = 0;
			s->attempts = 0;
			start_locked(w, s);
		}
		break;
	case STM32_SSP_CMD_REATTACH:
		s = find_slot(w, ev->dev.minor, 0);
		if (!s) {
			s = find_slot(w, ev->dev.minor, 1);
			if (s)
				start_locked(w, s);
		} else if (!s->running && !s->silent && ev->dev.generation > s->last_gen) {
			/* Not one of our runs' resets: the chip was plugged in again. */
			if (s->attempts < w->max_attempts)
				start_locked(w, s);
			else if (s->attempts == w->max_attempts) {
				note(w, s, LOG_ERR, "failed too often: left alone until it is unplugged for good");
				s->attempts++;
			}
		}
		break;
	case STM32_SSP_CMD_STATE:
		/* A silent chip that left the bus (unplugged) is tried again when it is back. */
		s = find_slot(w, ev->dev.minor, 0);
		if (s && ev->dev.state == STM32_SSP_STATE_ABSENT)
			s->silent = 0;
		break;
	case STM32_SSP_CMD_GONE:
		s = find_slot(w, ev->dev.minor, 0);
		if (s && !s->running)
			*s = w->slots[--w->nslots];
		else if (s)
			s->gone = 1;
		break;
	default:
		break;
	}
	pthread_mutex_unlock(&w->lock);
}

/* Every slot the driver has: chips on the bus are provisioned (at start and after an overrun). */
static int scan(struct watch *w, struct ssp_err *e)
{
	struct ssp_dev_entry *v;
	size_t n;
	int ret;

	ret = ssp_nl_dump(&v, &n, e);
	if (ret)
		return ret;
	for (size_t i = 0; i < n; i++) {
		struct ssp_event ev = { .cmd = STM32_SSP_CMD_NEW, .dev = v[i] };

		pthread_mutex_lock(&w->lock);
		if (find_slot(w, v[i].minor, 0))
			ev.cmd = STM32_SSP_CMD_REATTACH;
		pthread_mutex_unlock(&w->lock);
		/*
		 * Only chips on the bus: a slot waiting for its chip to come back
		 * (ABSENT) is picked up by the REATTACH when it does, and may never
		 * do so (the chip was unplugged for good).
		 */
		if (v[i].state == STM32_SSP_STATE_READY || v[i].state == STM32_SSP_STATE_BOOTING)
			on_event(w, &ev);
	}
	free(v);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sspctl watch [--config FILE] [--json] [--count N] [--max-attempts N]\n"
		"Provision every chip attached now and every chip that appears later.\n"
		"  --config FILE      provisioning settings (default %s)\n"
		"  --json             JSON lines instead of text lines\n"
		"  --count N          exit after N chips have finished (0: run until SIGTERM)\n"
		"  --max-attempts N   runs of a failing chip before it is left alone (default %d)\n",
		WATCH_DEFAULT_CONFIG, WATCH_MAX_ATTEMPTS);
}

static int parse_count(const char *s, unsigned int *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end || v < 0 || v > 1000000)
		return -1;
	*out = (unsigned int)v;
	return 0;
}

static int run_loop(struct watch *w, struct ssp_events *ev, int sfd)
{
	struct ssp_err e = { 0 };
	struct pollfd pfd[3] = {
		{ .fd = ssp_events_fd(ev), .events = POLLIN },
		{ .fd = sfd, .events = POLLIN },
		{ .fd = w->done_fd, .events = POLLIN },
	};
	eventfd_t n;

	for (;;) {
		int done;

		pthread_mutex_lock(&w->lock);
		done = w->count && w->finished >= w->count;
		pthread_mutex_unlock(&w->lock);
		if (done)
			return 0;
		/* Every wake-up is an event: no periodic re-check of the count. */
		if (poll(pfd, 3, -1) < 0 && errno != EINTR)
			return -errno;
		if (pfd[1].revents & POLLIN)
			return 0;
		if (pfd[2].revents & POLLIN)
			eventfd_read(w->done_fd, &n);
		if (!(pfd[0].revents & POLLIN))
			continue;
		int ret = ssp_events_recv(ev, on_event, w, &e);

		if (ret == -ENOBUFS) {
			if (!w->journal ||
			    journal_say(LOG_WARNING, NULL, "sspctl watch: %s; scanning every slot again", e.msg))
				fprintf(stderr, "sspctl watch: %s; scanning every slot again\n", e.msg);
			ret = scan(w, &e);
		}
		if (ret) {
			watch_error(w, "%s", e.msg);
			return ret;
		}
	}
}

static int cmd_watch(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'J' },
		{ "count", required_argument, NULL, 'n' },
		{ "max-attempts", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = WATCH_DEFAULT_CONFIG;
	struct watch w = { .out = stdout, .max_attempts = WATCH_MAX_ATTEMPTS, .done_fd = -1 };
	struct ssp_config *cfg;
	struct provision_args a;
	struct ssp_events *ev = NULL;
	struct ssp_err e = { 0 };
	json_object *o;
	sigset_t mask;
	int c, sfd, ret, rc = SSPCTL_EXIT_FAIL;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'J':
			w.json = 1;
			break;
		case 'n':
			if (parse_count(optarg, &w.count)) {
				fprintf(stderr, "sspctl watch: --count '%s': give a number\n", optarg);
				return SSPCTL_EXIT_USAGE;
			}
			break;
		case 'm':
			if (parse_count(optarg, &w.max_attempts) || !w.max_attempts) {
				fprintf(stderr, "sspctl watch: --max-attempts '%s': give a number >= 1\n", optarg);
				return SSPCTL_EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
			return SSPCTL_OK;
		default:
			usage(stderr);
			return SSPCTL_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sspctl watch: unexpected argument '%s'\n", argv[optind]);
		return SSPCTL_EXIT_USAGE;
	}
	/* Started by systemd: records in the journal, unless JSON was asked for. */
	w.journal = !w.json && ssp_journal_connected(STDERR_FILENO);
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return SSPCTL_EXIT_FAIL;
	ret = ssp_config_load(config, cfg, &e);
	if (ret) {
		watch_error(&w, "%s", e.msg);
		free(cfg);
		return ret == -EINVAL || ret == -ENODATA ? SSPCTL_EXIT_USAGE : SSPCTL_EXIT_FAIL;
	}
	provision_args_from_config(&a, cfg);
	w.jobs = a.jobs;
	ret = provision_ctx_setup(&a, &w.ctx, &e);
	if (ret) {
		watch_error(&w, "%s: %s", config, e.msg);
		goto out_args;
	}
	w.ctx.host_tool = "sspctl watch";
	/* Termination signals arrive on a descriptor, never in a worker. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0) {
		watch_error(&w, "signalfd: %s", strerror(errno));
		goto out_ctx;
	}
	w.done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w.done_fd < 0) {
		fprintf(stderr, "sspctl watch: eventfd: %s\n", strerror(errno));
		goto out_sfd;
	}
	pthread_mutex_init(&w.lock, NULL);
	pthread_cond_init(&w.idle, NULL);
	w.p = progress_new(w.json ? PROGRESS_JSON : w.journal ? PROGRESS_JOURNAL : PROGRESS_LOG,
			   w.out, NULL, 0);
	if (!w.p)
		goto out_sfd;
	w.ctx.progress = progress_update;
	w.ctx.progress_arg = w.p;
	/* Subscribe before the scan, so that no chip falls between the two. */
	ret = ssp_events_open(&ev, &e);
	if (!ret)
		ret = scan(&w, &e);
	if (ret) {
		watch_error(&w, "%s", e.msg);
		goto out_stop;
	}
	if (w.json) {
		o = json_object_new_object();
		json_object_object_add(o, "event", json_object_new_string("watching"));
		json_object_object_add(o, "config", json_object_new_string(config));
		print_json(w.out, o);
	} else if (!w.journal ||
		   journal_say(LOG_NOTICE, NULL, "watching for chips (config %s)", config)) {
		fprintf(w.out, "watching for chips (config %s)\n", config);
	}
	fflush(w.out);
	pthread_mutex_lock(&w.lock);
	w.counts.running = w.running;
	ssp_notify_ready(&w.counts);
	pthread_mutex_unlock(&w.lock);
	rc = run_loop(&w, ev, sfd) ? SSPCTL_EXIT_FAIL : SSPCTL_OK;
out_stop:
	pthread_mutex_lock(&w.lock);
	w.counts.running = w.running;
	ssp_notify_stopping(&w.counts);
	for (size_t i = 0; i < w.nslots; i++)
		w.slots[i].pending = 0;
	while (w.running)
		pthread_cond_wait(&w.idle, &w.lock);
	pthread_mutex_unlock(&w.lock);
	ssp_events_close(ev);
	w.ctx.progress = NULL;
	progress_free(w.p);
	free(w.slots);
	pthread_cond_destroy(&w.idle);
	pthread_mutex_destroy(&w.lock);
out_sfd:
	if (w.done_fd >= 0)
		close(w.done_fd);
	close(sfd);
out_ctx:
	ssp_prov_ctx_fini(&w.ctx);
out_args:
	provision_args_free(&a);
	free(cfg);
	return rc;
}

SSPCTL_COMMAND(watch, "watch", "daemon: provision every chip that appears (netlink events)", cmd_watch);
