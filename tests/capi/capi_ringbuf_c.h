/* Ring buffer readers written in C against bpfload.h, run by test_capi_ringbuf.cpp. */
#ifndef BPFLOAD_TESTS_CAPI_RINGBUF_C_H
#define BPFLOAD_TESTS_CAPI_RINGBUF_C_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Loads `object_path` (ring_events.o), reads 10 records its emit_small program writes
 * into small_ring through bpfload_ringbuf_new and _poll, checks their sequence numbers,
 * then writes 5 more, closes the object and reads them with _consume. 0 on success, else
 * -1 with `message` saying which step failed and why. */
int capi_c_ringbuf_round_trip(const char *object_path, char *message, size_t message_size);

/* NULL arguments, a map that is not a ring buffer, an object not loaded, a missing pin:
 * each the documented status with a message naming what is wrong. 0 on success, else -1
 * with `message`. */
int capi_c_ringbuf_refusals(const char *object_path, char *message, size_t message_size);

#ifdef __cplusplus
}
#endif

#endif
