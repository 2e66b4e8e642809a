/* limits.h - every cap on a length or count taken from the wire lives here. */
#ifndef SMBW_WIRE_LIMITS_H
#define SMBW_WIRE_LIMITS_H

/* Largest NetBIOS/direct-TCP frame we accept before buffering it. SMB2
 * negotiate and session-setup answers are a few KiB; share lists can be
 * larger, so leave room. Anything above is a hostile or broken peer. */
#define WIRE_MAX_FRAME (256u * 1024u)

/* Negotiate contexts we look at in one SMB2 NEGOTIATE response. */
#define WIRE_MAX_NEG_CONTEXTS 16
/* Algorithms kept per context (ciphers, compression, signing, hashes). */
#define WIRE_MAX_ALGS 8
/* Longest string (in UTF-8 bytes, NUL included) we keep from the wire. */
#define WIRE_MAX_STR 256
/* AV pairs walked in one NTLM CHALLENGE before giving up. */
#define WIRE_MAX_AV_PAIRS 32

#endif
