/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ipsecgw: configuration, EAL, ports, workers, then the control loop.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include "control.h"
#include "dataplane.h"
#include "gw_log.h"
#include "ike.h"

static void
usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s -c FILE [--check] [-v]\n"
		"  -c, --config FILE  configuration (libconfig)\n"
		"      --check        validate FILE, list problems and weak choices, exit\n"
		"  -v, --verbose      debug logging\n", prog);
}

static void
on_signal(int sig)
{
	(void)sig;
	/* the control loop ends and shuts down in order; workers keep running
	 * until then so that withdrawn SAs can still be retired and wiped */
	gw_control.quit = true;
}

/* EAL arguments: the configured ones, plus the lcores unless given. */
static int
eal_init(const struct gw_cfg *cfg, const char *prog)
{
	char *argv[80], lcores[1024], main_lcore[16];
	int argc = 0, n;
	bool has_lcores = false;

	argv[argc++] = (char *)(uintptr_t)prog;
	for (unsigned i = 0; i < cfg->n_eal_args && argc < 70; i++) {
		const char *a = cfg->eal_args[i];

		if (!strcmp(a, "-l") || !strcmp(a, "-c") || !strncmp(a, "--lcores", 8))
			has_lcores = true;
		argv[argc++] = cfg->eal_args[i];
	}
	if (!has_lcores) {
		n = snprintf(lcores, sizeof(lcores), "%u", cfg->lcores.control);
		/* 64 workers of at most 10 digits fit: no truncation possible */
		for (unsigned i = 0; i < cfg->lcores.n_workers && n < (int)sizeof(lcores) - 12; i++)
			n += snprintf(lcores + n, sizeof(lcores) - (size_t)n, ",%u",
				      cfg->lcores.workers[i]);
		snprintf(main_lcore, sizeof(main_lcore), "%u", cfg->lcores.control);
		argv[argc++] = (char *)"-l";
		argv[argc++] = lcores;
		argv[argc++] = (char *)"--main-lcore";
		argv[argc++] = main_lcore;
	}
	argv[argc] = NULL;
	return rte_eal_init(argc, argv);
}

static int
run(const char *prog)
{
	struct gw_cfg *cfg = &gw_control.cfg;

	if (eal_init(cfg, prog) < 0) {
		GW_ERR("EAL initialisation failed: %s", rte_strerror(rte_errno));
		return 1;
	}
	if (rte_get_main_lcore() != cfg->lcores.control)
		GW_WARN("control lcore is %u, configured %u", rte_get_main_lcore(),
			cfg->lcores.control);
	if (gw_dp_setup(cfg) != 0 || gw_control_install_config() != 0 || gw_ike_start() != 0)
		return 1;
	gw_dp_launch();
	gw_ike_initiate_configured();

	gw_commands_register();
	gw_control.server = gw_ctl_server_open(cfg->control_socket);
	if (gw_control.server == NULL)
		GW_WARN("control socket %s unavailable; console only", cfg->control_socket);
	if (isatty(0))
		gw_control.console = gw_console_open("ipsecgw> ");
	gw_control.started_ns = gw_now_ns();
	GW_INFO("running: %u worker(s), %u SA(s), control socket %s", gw_dp.n_workers,
		gw_control.n_sas, cfg->control_socket);
	gw_control_loop();
	GW_INFO("shutting down");
	if (gw_control.console)
		gw_console_close(gw_control.console);
	if (gw_control.server)
		gw_ctl_server_close(gw_control.server);
	gw_ike_stop();
	/* SAs withdrawn just now are freed (keys wiped) once the still
	 * running workers have moved past them */
	if (gw_ctrl_retire_drain(&gw_dp.ctrl, 2000) != 0)
		GW_WARN("some retired SAs were still referenced at exit");
	gw_dp_shutdown();
	rte_eal_cleanup();
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'C' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL;
	bool check = false;
	struct gw_diag diag;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "c:vh", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			path = optarg;
			break;
		case 'C':
			check = true;
			break;
		case 'v':
			gw_log_set_level(GW_LOG_DEBUG);
			break;
		case 'h':
			usage(argv[0]);
			return 0;
		default:
			usage(argv[0]);
			return 2;
		}
	}
	if (path == NULL || optind != argc) {
		usage(argv[0]);
		return 2;
	}
	memset(&diag, 0, sizeof(diag));
	if (gw_cfg_load(path, &gw_control.cfg, &diag) != 0) {
		gw_diag_print(&diag, stderr);
		fprintf(stderr, "%s: %u error(s); nothing started\n", path, diag.errors);
		return 1;
	}
	gw_cfg_review(&gw_control.cfg, &diag);
	gw_diag_print(&diag, stderr);
	if (check) {
		/* certificates and keys are read as the start would read them */
		if (gw_ike_credentials_load(&gw_control.cfg) != 0) {
			fprintf(stderr, "%s: a certificate or key is not usable; nothing started\n",
				path);
			gw_ike_credentials_free();
			gw_cfg_free(&gw_control.cfg);
			return 1;
		}
		gw_ike_credentials_free();
		printf("%s: configuration is valid (%u warning(s))\n", path, diag.warnings);
		gw_cfg_free(&gw_control.cfg);
		return 0;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	rc = run(argv[0]);
	gw_cfg_free(&gw_control.cfg);
	return rc;
}
