#ifndef ECL_CZLIB_SHIM_H
#define ECL_CZLIB_SHIM_H

#include <zlib.h>

// deflateInit2 and inflateInit2 are macros, which Swift cannot call; these wrappers are the only C added.

/// Starts a gzip (RFC 1952) deflate stream: window bits 15 + 16 selects the gzip wrapper.
static inline int ecl_deflate_init_gzip(z_stream *stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}

/// Starts an inflate stream that reads gzip or zlib data (window bits 15 + 32: automatic header detection).
static inline int ecl_inflate_init_auto(z_stream *stream) {
    return inflateInit2(stream, 15 + 32);
}

#endif
