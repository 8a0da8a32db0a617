/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control socket server. Everything is non-blocking and driven by
 * gw_ctl_server_poll() from the control loop: one epoll set holds the
 * listening socket and the clients, so the loop polls a single fd. A client
 * that sends nothing only holds a slot until its deadline.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "gw_cli.h"
#include "gw_log.h"

enum {
	CTL_MAX_CLIENTS = 16,
	CTL_BACKLOG = 16,
	CTL_READ_TIMEOUT_MS = 2000,    /**< from accept to a complete request */
	CTL_WRITE_TIMEOUT_MS = 10000,  /**< from request to the response sent */
	CTL_LISTEN_TAG = UINT32_MAX,   /**< epoll tag of the listening socket */
};

struct ctl_client {
	int fd;                        /**< -1: free slot */
	bool writing;
	uint64_t deadline_ms;
	size_t in_len;
	char *resp;
	size_t resp_len, resp_off;
	char in[GW_CTL_LINE_MAX];
};

struct gw_ctl_server {
	int lfd;
	int efd;
	ino_t ino;                     /**< our socket file, to unlink only ours */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct ctl_client clients[CTL_MAX_CLIENTS];
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* mkdir -p of path's parent directory. */
static int
make_parent_dirs(const char *path)
{
	char dir[sizeof(((struct gw_ctl_server *)0)->path)];
	char *p;

	snprintf(dir, sizeof(dir), "%s", path);
	p = strrchr(dir, '/');
	if (p == NULL || p == dir)
		return 0;
	*p = '\0';
	for (p = dir + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;

		*p = '\0';
		if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
			GW_ERR("control socket: cannot create directory %s: %s",
			       dir, strerror(errno));
			return -1;
		}
		*p = c;
		if (c == '\0')
			return 0;
	}
}

/* A socket file left by a dead process is removed; a live one is kept. */
static int
remove_stale_socket(const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, rc;

	if (lstat(sa->sun_path, &st) != 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		GW_ERR("control socket: %s exists and is not a socket",
		       sa->sun_path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	if (rc == 0 || errno == EAGAIN) {
		close(fd);
		GW_ERR("control socket: %s is in use by another process",
		       sa->sun_path);
		return -1;
	}
	close(fd);
	if (unlink(sa->sun_path) != 0 && errno != ENOENT) {
		GW_ERR("control socket: cannot remove stale %s: %s",
		       sa->sun_path, strerror(errno));
		return -1;
	}
	return 0;
}

struct gw_ctl_server *
gw_ctl_server_open(const char *path)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct gw_ctl_server *s;
	struct stat st;
	mode_t old_mask;
	int rc;

	if (path == NULL || path[0] == '\0' ||
	    strlen(path) >= sizeof(sa.sun_path)) {
		GW_ERR("control socket: path '%s' is empty or too long (max %zu)",
		       path != NULL ? path : "", sizeof(sa.sun_path) - 1);
		return NULL;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (make_parent_dirs(path) != 0 || remove_stale_socket(&sa) != 0)
		return NULL;

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	memcpy(s->path, path, strlen(path) + 1);
	s->efd = -1;
	for (unsigned int i = 0; i < CTL_MAX_CLIENTS; i++)
		s->clients[i].fd = -1;

	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->lfd < 0) {
		GW_ERR("control socket: socket: %s", strerror(errno));
		goto fail;
	}
	/* No window in which the socket is reachable by others. */
	old_mask = umask(0177);
	rc = bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old_mask);
	if (rc != 0) {
		GW_ERR("control socket: bind %s: %s", path, strerror(errno));
		goto fail;
	}
	if (chmod(path, 0600) != 0 || lstat(path, &st) != 0) {
		GW_ERR("control socket: chmod %s: %s", path, strerror(errno));
		goto fail_unlink;
	}
	s->ino = st.st_ino;
	if (listen(s->lfd, CTL_BACKLOG) != 0) {
		GW_ERR("control socket: listen %s: %s", path, strerror(errno));
		goto fail_unlink;
	}
	s->efd = epoll_create1(EPOLL_CLOEXEC);
	ev.data.u32 = CTL_LISTEN_TAG;
	if (s->efd < 0 || epoll_ctl(s->efd, EPOLL_CTL_ADD, s->lfd, &ev) != 0) {
		GW_ERR("control socket: epoll: %s", strerror(errno));
		goto fail_unlink;
	}
	return s;

fail_unlink:
	unlink(path);
fail:
	if (s->efd >= 0)
		close(s->efd);
	if (s->lfd >= 0)
		close(s->lfd);
	free(s);
	return NULL;
}

int
gw_ctl_server_fd(const struct gw_ctl_server *s)
{
	return s != NULL ? s->efd : -1;
}

static void
client_close(struct ctl_client *c)
{
	/* close() drops the fd from the epoll set as well. */
	close(c->fd);
	c->fd = -1;
	free(c->resp);
	c->resp = NULL;
}

static void
client_write(struct ctl_client *c)
{
	while (c->resp_off < c->resp_len) {
		ssize_t n = send(c->fd, c->resp + c->resp_off,
				 c->resp_len - c->resp_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0) {
			c->resp_off += (size_t)n;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			return;
		} else {
			break;  /* peer gone: nothing more to tell it */
		}
	}
	client_close(c);
}

static void
client_respond(struct gw_ctl_server *s, struct ctl_client *c, bool ok,
	       const char *body, size_t len)
{
	const char *status = ok ? "ok\n" : "error\n";
	size_t slen = strlen(status);
	struct epoll_event ev = { .events = EPOLLOUT };

	c->resp = malloc(slen + len);
	if (c->resp == NULL) {
		client_close(c);
		return;
	}
	memcpy(c->resp, status, slen);
	memcpy(c->resp + slen, body, len);
	c->resp_len = slen + len;
	c->resp_off = 0;
	c->writing = true;
	c->deadline_ms = now_ms() + CTL_WRITE_TIMEOUT_MS;
	ev.data.u32 = (uint32_t)(c - s->clients);
	epoll_ctl(s->efd, EPOLL_CTL_MOD, c->fd, &ev);
	client_write(c);
}

static void
client_respond_error(struct gw_ctl_server *s, struct ctl_client *c,
		     const char *msg)
{
	char body[256];
	int n = snprintf(body, sizeof(body), "error: %s\n", msg);

	client_respond(s, c, false, body, (size_t)n);
}

/* Request line: format word, then the command line. */
static void
client_request(struct gw_ctl_server *s, struct ctl_client *c, size_t len)
{
	enum gw_out_fmt fmt;
	struct gw_out *o;
	const char *body;
	char *line = c->in;
	size_t blen;
	int rc;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (memchr(line, '\0', len) != NULL) {
		client_respond_error(s, c, "bad request: NUL byte in line");
		return;
	}
	line[len] = '\0';
	if (strncmp(line, "json", 4) == 0 && (line[4] == ' ' || line[4] == '\0'))
		fmt = GW_OUT_JSON;
	else if (strncmp(line, "text", 4) == 0 &&
		 (line[4] == ' ' || line[4] == '\0'))
		fmt = GW_OUT_TEXT;
	else {
		client_respond_error(s, c,
			"bad request: expected \"text|json COMMAND...\"");
		return;
	}
	o = gw_out_new(fmt);
	if (o == NULL) {
		client_respond_error(s, c, "out of memory");
		return;
	}
	rc = gw_cli_exec(line + 4, o);
	body = gw_out_render(o, &blen);
	client_respond(s, c, rc == 0, body, blen);
	gw_out_free(o);
}

static void
client_read(struct gw_ctl_server *s, struct ctl_client *c)
{
	for (;;) {
		size_t room = sizeof(c->in) - c->in_len;
		ssize_t n;
		char *nl;

		if (room == 0) {
			client_respond_error(s, c, "request line too long");
			return;
		}
		n = recv(c->fd, c->in + c->in_len, room, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0 || (n == 0 && c->in_len == 0)) {
			client_close(c);
			return;
		}
		if (n == 0) {
			/* End of stream ends the line too. */
			if (c->in_len == sizeof(c->in))
				client_respond_error(s, c, "request line too long");
			else
				client_request(s, c, c->in_len);
			return;
		}
		nl = memchr(c->in + c->in_len, '\n', (size_t)n);
		c->in_len += (size_t)n;
		if (nl != NULL) {
			client_request(s, c, (size_t)(nl - c->in));
			return;
		}
	}
}

static void
server_accept(struct gw_ctl_server *s)
{
	static const char busy[] = "error\nerror: too many control clients\n";

	for (;;) {
		struct epoll_event ev = { .events = EPOLLIN };
		struct ctl_client *c = NULL;
		int fd;

		fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return;  /* EAGAIN, or EMFILE and the like: retry later */
		}
		for (unsigned int i = 0; i < CTL_MAX_CLIENTS && c == NULL; i++)
			if (s->clients[i].fd < 0)
				c = &s->clients[i];
		ev.data.u32 = c != NULL ? (uint32_t)(c - s->clients) : 0;
		if (c == NULL || epoll_ctl(s->efd, EPOLL_CTL_ADD, fd, &ev) != 0) {
			send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
			close(fd);
			continue;
		}
		c->fd = fd;
		c->writing = false;
		c->in_len = 0;
		c->deadline_ms = now_ms() + CTL_READ_TIMEOUT_MS;
		client_read(s, c);
	}
}

void
gw_ctl_server_poll(struct gw_ctl_server *s)
{
	struct epoll_event evs[CTL_MAX_CLIENTS + 1];
	uint64_t now;
	int n;

	if (s == NULL)
		return;
	n = epoll_wait(s->efd, evs, CTL_MAX_CLIENTS + 1, 0);
	for (int i = 0; i < n; i++) {
		uint32_t tag = evs[i].data.u32;
		struct ctl_client *c;

		if (tag == CTL_LISTEN_TAG) {
			server_accept(s);
			continue;
		}
		if (tag >= CTL_MAX_CLIENTS)
			continue;
		c = &s->clients[tag];
		if (c->fd < 0)
			continue;
		if (c->writing)
			client_write(c);
		else
			client_read(s, c);
	}

	now = now_ms();
	for (unsigned int i = 0; i < CTL_MAX_CLIENTS; i++) {
		struct ctl_client *c = &s->clients[i];

		if (c->fd < 0 || now < c->deadline_ms)
			continue;
		if (c->writing)
			client_close(c);
		else
			client_respond_error(s, c, "request timed out");
	}
}

void
gw_ctl_server_close(struct gw_ctl_server *s)
{
	struct stat st;

	if (s == NULL)
		return;
	for (unsigned int i = 0; i < CTL_MAX_CLIENTS; i++)
		if (s->clients[i].fd >= 0)
			client_close(&s->clients[i]);
	close(s->efd);
	close(s->lfd);
	/* A newer instance may have replaced the file; leave that one alone. */
	if (lstat(s->path, &st) == 0 && st.st_ino == s->ino)
		unlink(s->path);
	free(s);
}
