/* Attach round trips written in C against bpfload.h, run by test_capi_attach.cpp. */
#ifndef BPFLOAD_TESTS_CAPI_ATTACH_C_H
#define BPFLOAD_TESTS_CAPI_ATTACH_C_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Loads `object_path` (attach_sock_legacy.o), attaches its socket filter to a UDP socket
 * on this network namespace's loopback, checks that it drops the long datagram and keeps
 * the short one, that the counts map says so, that detach and closing the object remove
 * it, and that bad arguments are errors. 0 on success, else -1 with `message` saying
 * which step failed and why. */
int capi_c_socket_filter_round_trip(const char *object_path, char *message, size_t message_size);

#ifdef __cplusplus
}
#endif

#endif
