/* alert_exec.c - the exec sink: /bin/sh -c COMMAND per event, the event
 * JSON (and a newline) on its stdin, SMBWATCH_EVENT=<event name> in its
 * environment. Exit status 0 is a delivery; a command still running after
 * the timeout is killed and counts as a failure (retried). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "monitor/sink.h"

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int ex_send(struct sink *s, const char *ev, const char *name, char *err, size_t errsz)
{
	int fds[2];
	if (pipe(fds) != 0) {
		snprintf(err, errsz, "pipe: %s", strerror(errno));
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errsz, "fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(fds[0], STDIN_FILENO);
		close(fds[0]);
		close(fds[1]);
		setenv("SMBWATCH_EVENT", name, 1);
		signal(SIGPIPE, SIG_DFL);
		execl("/bin/sh", "sh", "-c", s->arg, (char *)NULL);
		_exit(127);
	}
	close(fds[0]);
	/* a command that does not read its stdin is fine: ignore EPIPE */
	(void)(write_all(fds[1], ev, strlen(ev)) == 0 && write_all(fds[1], "\n", 1) == 0);
	close(fds[1]);
	int status = 0;
	unsigned waited = 0;
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			snprintf(err, errsz, "waitpid: %s", strerror(errno));
			return -1;
		}
		if (waited >= s->timeout_ms) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			snprintf(err, errsz, "still running after %u ms: killed", s->timeout_ms);
			return -1;
		}
		struct timespec ts = {.tv_sec = 0, .tv_nsec = 10 * 1000000L};
		nanosleep(&ts, NULL);
		waited += 10;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		snprintf(err, errsz, "command exited with status %d", WEXITSTATUS(status));
	else
		snprintf(err, errsz, "command killed by signal %d", WTERMSIG(status));
	return -1;
}

const struct sink_ops sink_exec_ops = {
	.prefix = "exec:",
	.takes_arg = true,
	.send = ex_send,
	.retry = true,
};
