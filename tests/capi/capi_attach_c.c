/* The C API's attach calls used from C, as an agent written in C would. */
#define _GNU_SOURCE
#include "capi_attach_c.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "bpfload/bpfload.h"

struct udp_pair {
  int sender;
  int receiver;
  struct sockaddr_in address;
};

static int failed(char *message, size_t size, const char *step, const bpfload_object *object) {
  snprintf(message, size, "%s: %s", step, bpfload_object_error(object)->message);
  return -1;
}

static int udp_pair_open(struct udp_pair *pair) {
  socklen_t length = sizeof(pair->address);
  struct timeval limit = {10, 0}; /* bounds a lost datagram: the test fails, it never hangs */
  memset(&pair->address, 0, sizeof(pair->address));
  pair->address.sin_family = AF_INET;
  pair->address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  pair->receiver = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  pair->sender = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (pair->receiver < 0 || pair->sender < 0) return -1;
  if (bind(pair->receiver, (struct sockaddr *)&pair->address, sizeof(pair->address)) != 0) return -1;
  if (getsockname(pair->receiver, (struct sockaddr *)&pair->address, &length) != 0) return -1;
  return setsockopt(pair->receiver, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
}

static void udp_pair_close(struct udp_pair *pair) {
  if (pair->receiver >= 0) close(pair->receiver);
  if (pair->sender >= 0) close(pair->sender);
}

static int send_size(const struct udp_pair *pair, size_t size) {
  char payload[256];
  memset(payload, 'c', sizeof(payload));
  return sendto(pair->sender, payload, size, 0, (const struct sockaddr *)&pair->address, sizeof(pair->address)) ==
                 (ssize_t)size
             ? 0
             : -1;
}

static long next_size(const struct udp_pair *pair) {
  char buffer[512];
  return (long)recv(pair->receiver, buffer, sizeof(buffer), 0);
}

static uint64_t count_at(bpfload_object *object, uint32_t key) {
  uint64_t value = UINT64_MAX;
  if (bpfload_map_lookup(object, "counts", &key, sizeof(key), &value, sizeof(value), NULL) != BPFLOAD_OK) {
    return UINT64_MAX;
  }
  return value;
}

/* Attached, a 200-byte datagram is dropped and the 3-byte one after it is the next read. */
static int filter_drops_long(const struct udp_pair *pair, char *message, size_t size) {
  if (send_size(pair, 200) != 0 || send_size(pair, 3) != 0) return failed(message, size, "sendto", NULL);
  const long got = next_size(pair);
  if (got != 3) {
    snprintf(message, size, "with the filter attached the first datagram read is %ld bytes, not 3", got);
    return -1;
  }
  return 0;
}

static int filter_gone(const struct udp_pair *pair, const char *after, char *message, size_t size) {
  if (send_size(pair, 200) != 0) return failed(message, size, "sendto", NULL);
  const long got = next_size(pair);
  if (got != 200) {
    snprintf(message, size, "after %s the 200-byte datagram read as %ld bytes: the filter is still there", after,
             got);
    return -1;
  }
  return 0;
}

static int bad_arguments_are_errors(bpfload_object *object, char *message, size_t size) {
  bpfload_link *link = NULL;
  const int not_a_socket = open("/dev/null", O_RDONLY | O_CLOEXEC);
  const bpfload_status on_file = bpfload_program_attach_socket_filter(object, "drop_long", not_a_socket, &link);
  close(not_a_socket);
  if (on_file != BPFLOAD_ERR_INVALID_ARGUMENT || link != NULL) {
    snprintf(message, size, "a filter on /dev/null: %s (%s)", bpfload_status_name(on_file),
             bpfload_object_error(object)->message);
    return -1;
  }
  if (bpfload_program_attach_socket_filter(object, "nosuch", 0, &link) != BPFLOAD_ERR_NOT_FOUND ||
      strstr(bpfload_object_error(object)->message, "nosuch") == NULL) {
    return failed(message, size, "an unknown program is NOT_FOUND naming it", object);
  }
  if (bpfload_program_attach_socket_filter(object, "drop_long", 0, NULL) != BPFLOAD_ERR_INVALID_ARGUMENT) {
    return failed(message, size, "a NULL link out-pointer is INVALID_ARGUMENT", object);
  }
  if (bpfload_program_attach_socket_filter(NULL, "drop_long", 0, &link) != BPFLOAD_ERR_INVALID_ARGUMENT ||
      bpfload_link_detach(NULL) != BPFLOAD_ERR_INVALID_ARGUMENT ||
      bpfload_object_error(NULL)->kind != BPFLOAD_ERR_INVALID_ARGUMENT) {
    return failed(message, size, "NULL object and link are INVALID_ARGUMENT on the thread's error", NULL);
  }
  if (bpfload_link_fd(NULL) != -1 || strcmp(bpfload_link_target(NULL), "") != 0) {
    snprintf(message, size, "NULL link accessors");
    return -1;
  }
  return 0;
}

static int round_trip(bpfload_object *object, struct udp_pair *pair, char *message, size_t size) {
  bpfload_link *link = NULL;
  if (bpfload_program_attach_socket_filter(object, "drop_long", pair->receiver, &link) != BPFLOAD_OK) {
    return failed(message, size, "bpfload_program_attach_socket_filter", object);
  }
  if (strcmp(bpfload_link_mechanism(link), "socket-filter") != 0 || bpfload_link_fd(link) != -1) {
    snprintf(message, size, "mechanism '%s', fd %d", bpfload_link_mechanism(link), bpfload_link_fd(link));
    return -1;
  }
  if (bpfload_link_pin(link, "/sys/fs/bpf/bpfload-capi-never") != BPFLOAD_ERR_UNSUPPORTED) {
    return failed(message, size, "pinning a socket filter is UNSUPPORTED", object);
  }
  if (filter_drops_long(pair, message, size) != 0) return -1;
  if (count_at(object, 2) != 2 || count_at(object, 3) != 1) {
    snprintf(message, size, "counts: seen %llu (want 2), dropped %llu (want 1)",
             (unsigned long long)count_at(object, 2), (unsigned long long)count_at(object, 3));
    return -1;
  }
  if (bpfload_link_detach(link) != BPFLOAD_OK) return failed(message, size, "bpfload_link_detach", object);
  if (filter_gone(pair, "bpfload_link_detach", message, size) != 0) return -1;
  if (bad_arguments_are_errors(object, message, size) != 0) return -1;
  /* Attached again and left to bpfload_object_close. */
  if (bpfload_program_attach_socket_filter(object, "drop_long", pair->receiver, &link) != BPFLOAD_OK) {
    return failed(message, size, "attach again", object);
  }
  return 0;
}

int capi_c_socket_filter_round_trip(const char *object_path, char *message, size_t message_size) {
  bpfload_object *object = NULL;
  struct udp_pair pair = {-1, -1, {0}};
  int result = -1;
  message[0] = '\0';
  if (bpfload_object_open_file(object_path, NULL, &object) != BPFLOAD_OK) {
    return failed(message, message_size, "bpfload_object_open_file", NULL);
  }
  if (bpfload_object_load(object, NULL) != BPFLOAD_OK) {
    failed(message, message_size, "bpfload_object_load", object);
  } else if (udp_pair_open(&pair) != 0) {
    snprintf(message, message_size, "UDP sockets on loopback could not be set up");
  } else {
    result = round_trip(object, &pair, message, message_size);
  }
  bpfload_object_close(object);
  if (result == 0) result = filter_gone(&pair, "bpfload_object_close", message, message_size);
  udp_pair_close(&pair);
  return result;
}
