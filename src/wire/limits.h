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

/* NDR array elements walked in one RPC answer (SRVSVC share entries).
 * Each element takes at least 12 bytes, so the frame cap bounds this too;
 * the explicit cap keeps a lying count from driving a long loop. */
#define WIRE_MAX_NDR_ENTRIES 4096
/* Longest NDR conformant string, in UTF-16 code units (NUL included). */
#define WIRE_MAX_NDR_STRING 4096
/* Directory entries counted in one QUERY_DIRECTORY answer. */
#define WIRE_MAX_DIR_ENTRIES 4096
/* Setup words in an SMB1 TRANSACTION request we build. */
#define WIRE_MAX_TRANS_SETUP 4

#endif
