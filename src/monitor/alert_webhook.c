/* alert_webhook.c - the webhook sink: one HTTP POST per event (libcurl).
 *
 * The body is the event JSON exactly as other sinks print it. With a shared
 * secret, X-Smbwatch-Signature: sha256=HEX carries HMAC-SHA256(secret, body)
 * so the receiver can check the sender and that the body is intact (the
 * GitHub-webhook convention, which receivers already know how to verify).
 * Any 2xx answer is a delivery; anything else is retried (sink.c). */
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "monitor/sink.h"

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
	(void)p;
	(void)ud;
	return size * n;
}

static int wh_open(struct sink *s, char *err, size_t errsz)
{
	static bool curl_ready;
	if (!curl_ready) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		curl_ready = true;
	}
	if (strncmp(s->arg, "http://", 7) != 0 && strncmp(s->arg, "https://", 8) != 0) {
		snprintf(err, errsz, "bad webhook URL '%s': http:// or https://", s->arg);
		return -1;
	}
	s->impl = curl_easy_init();
	if (!s->impl) {
		snprintf(err, errsz, "cannot start libcurl");
		return -1;
	}
	return 0;
}

static int wh_send(struct sink *s, const char *ev, const char *name, char *err, size_t errsz)
{
	CURL *c = s->impl;
	curl_easy_reset(c);
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	char line[128];
	snprintf(line, sizeof line, "X-Smbwatch-Event: %s", name);
	h = curl_slist_append(h, line);
	if (s->secret) {
		char mac[65];
		sink_hmac_hex(s->secret, ev, strlen(ev), mac);
		snprintf(line, sizeof line, "X-Smbwatch-Signature: sha256=%s", mac);
		h = curl_slist_append(h, line);
	}
	curl_easy_setopt(c, CURLOPT_URL, s->arg);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, ev);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(ev));
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)s->timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)(s->timeout_ms < 3000 ? s->timeout_ms : 3000));
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "smbwatch/" SMBW_VERSION);
	CURLcode rc = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	if (rc != CURLE_OK) {
		snprintf(err, errsz, "%s", curl_easy_strerror(rc));
		return -1;
	}
	if (status < 200 || status > 299) {
		snprintf(err, errsz, "HTTP status %ld", status);
		return -1;
	}
	return 0;
}

static void wh_close(struct sink *s)
{
	if (s->impl)
		curl_easy_cleanup(s->impl);
	s->impl = NULL;
}

const struct sink_ops sink_webhook_ops = {
	.prefix = "webhook:",
	.takes_arg = true,
	.open = wh_open,
	.send = wh_send,
	.close = wh_close,
	.retry = true,
};
