/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "esp_fixture.h"
#include "gw_common.h"

struct rte_mempool *pool;
struct gw_worker_stats stats;
struct gw_esp_ctx ctx;
struct gw_sa sa_out, sa_in;

int
esp_fixture_setup(const char *name, unsigned pool_size)
{
	char prefix[64];
	char *argv[] = {
		(char *)(uintptr_t)name, "-l", "0", "--no-huge", "-m", "128", "--no-pci",
		"--no-shconf", "--log-level=*:error", prefix,
	};

	snprintf(prefix, sizeof(prefix), "--file-prefix=%s", name);
	if (rte_eal_init((int)GW_ARRAY_SIZE(argv), argv) < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return -1;
	}
	pool = rte_pktmbuf_pool_create(name, pool_size, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (pool == NULL)
		return -1;
	if (gw_crypto_lcore_init(&ctx.crypto) != 0)
		return -1;
	ctx.stats = &stats;
	return 0;
}

void
esp_fixture_teardown(void)
{
	gw_esp_sa_wipe(&sa_out);
	gw_esp_sa_wipe(&sa_in);
	gw_crypto_lcore_free(&ctx.crypto);
	rte_mempool_free(pool);
	rte_eal_cleanup();
}

void
reset_stats(void)
{
	memset(&stats, 0, sizeof(stats));
}

int
drops_are(enum gw_drop d, uint64_t n)
{
	for (int i = 0; i < GW_DROP_MAX; i++) {
		uint64_t want = i == (int)d ? n : 0;

		if (stats.drops[i] != want) {
			fprintf(stderr, "  drops[%s] = %llu, expected %llu\n",
				gw_drop_name(i), (unsigned long long)stats.drops[i],
				(unsigned long long)want);
			return -1;
		}
	}
	return 0;
}

struct rte_mbuf *
mbuf_from(const uint8_t *d, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	char *p;

	if (m == NULL)
		return NULL;
	p = rte_pktmbuf_append(m, (uint16_t)len);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memcpy(p, d, len);
	return m;
}

struct rte_mbuf *
inbound_mbuf(const uint8_t *d, uint32_t len, bool udp)
{
	struct rte_mbuf *m = mbuf_from(d, len);

	if (m != NULL) {
		m->l3_len = sizeof(struct rte_ipv4_hdr);
		m->l4_len = udp ? sizeof(struct rte_udp_hdr) : 0;
	}
	return m;
}

void
pfx4(struct gw_prefix *p, uint32_t a, uint8_t len)
{
	memset(p, 0, sizeof(*p));
	p->addr.family = GW_AF_INET;
	p->addr.v4 = a;
	p->len = len;
}
