/* Perf buffer readers written in C against bpfload.h, run by test_capi_perfbuf.cpp. */
#ifndef BPFLOAD_TESTS_CAPI_PERFBUF_C_H
#define BPFLOAD_TESTS_CAPI_PERFBUF_C_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Loads `object_path` (ring_events.o), reads 10 samples emit_perf writes into
 * perf_events, then a burst of 500 into a one-page ring and one more: the lost count is
 * reported and samples plus lost make 511. Then NULL arguments, a ring buffer map and a
 * page count that is not a power of two are refused. 0 on success, else -1 with `message`
 * saying which step failed and why. */
int capi_c_perfbuf_round_trip(const char *object_path, char *message, size_t message_size);

#ifdef __cplusplus
}
#endif

#endif
