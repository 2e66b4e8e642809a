/* source.h - where packets come from: a pcap/pcapng file or a live
 * interface (libpcap), and dropping privileges once the capture handle is
 * open (guide 8.9: no untrusted byte is parsed with root rights). */
#ifndef SMBW_SENSOR_SOURCE_H
#define SMBW_SENSOR_SOURCE_H

#include <stddef.h>
#include <stdint.h>

struct sensor_source;

enum source_rc {
	SOURCE_PACKET = 1,
	SOURCE_IDLE = 0,  /* live: read timeout, no packet */
	SOURCE_EOF = -1,
	SOURCE_ERROR = -2,
};

/* Open a capture file ("-" is stdin). NULL with a one-line message in err
 * (missing file, not a capture, truncated header). */
struct sensor_source *source_open_file(const char *path, char *err, size_t errsz);
/* Open an interface in promiscuous mode with a 64 KiB snap length. */
/* buffer_bytes: the kernel capture ring (resident once filled: counted in
 * --max-memory, see memcap.h). */
struct sensor_source *source_open_live(const char *iface, size_t buffer_bytes, char *err,
				       size_t errsz);
/* Compile and install a BPF filter; -1 with err on a bad expression. */
int source_set_filter(struct sensor_source *src, const char *bpf, char *err, size_t errsz);
/* pcap LINKTYPE_* of the capture. */
int source_linktype(const struct sensor_source *src);
/* Next packet: the data stays valid until the next call. SOURCE_ERROR
 * leaves a message in err (e.g. a file truncated mid-record). */
int source_next(struct sensor_source *src, const uint8_t **data, size_t *caplen,
		uint64_t *ts_us, char *err, size_t errsz);
/* Ask a blocking source_next() to return (signal handler safe). */
void source_break(struct sensor_source *src);
void source_close(struct sensor_source *src);

/* Drop root: setgroups/setgid/setuid to user (NULL = "nobody") and check
 * that root cannot be regained. A no-op returning 0 when not root.
 * -1 with err when the user is unknown or a call fails. */
int source_drop_privileges(const char *user, char *err, size_t errsz);

#endif
