/* User ring buffer writers written in C against bpfload.h, run by test_capi_user_ringbuf.cpp. */
#ifndef BPFLOAD_TESTS_CAPI_USER_RINGBUF_C_H
#define BPFLOAD_TESTS_CAPI_USER_RINGBUF_C_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Loads `object_path` (user_ring_events.o), writes 40 records into user_records (every
 * fourth discarded), runs `drain` and checks from its `totals` map that the program took
 * exactly the 30 submitted, in order, with their values summed. Then a record larger than
 * the ring, NULL arguments, a map of another type and a record submitted twice are refused,
 * and the writer keeps working after the object is closed. 0 on success, else -1 with
 * `message` saying which step failed and why. */
int capi_c_user_ringbuf_round_trip(const char *object_path, char *message, size_t message_size);

#ifdef __cplusplus
}
#endif

#endif
