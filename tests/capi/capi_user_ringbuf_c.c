/* The C API's user ring buffer writer used from C, as an agent written in C would. */
#include "capi_user_ringbuf_c.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bpfload/bpfload.h"

/* struct user_record and struct drain_totals of bpf_progs/user_ring_events.c. */
struct user_record {
  uint64_t seq;
  uint64_t value;
};
struct drain_totals {
  uint64_t records, sum, next_seq, out_of_order, too_short, drained, drain_errors;
};

static int check(char *message, size_t size, const char *step, bpfload_status got, bpfload_status wanted,
                 const bpfload_error *error) {
  if (got == wanted) return 0;
  snprintf(message, size, "%s: status %s, wanted %s (%s)", step, bpfload_status_name(got),
           bpfload_status_name(wanted), error->message);
  return -1;
}

/* Writes the 40 records; the values of those submitted are summed into *sum. */
static int write_records(bpfload_user_ringbuf *writer, uint64_t *sum, char *message, size_t size) {
  uint64_t seq = 0;
  int i;
  for (i = 0; i < 40; ++i) {
    struct user_record record;
    void *at = NULL;
    if (check(message, size, "reserve", bpfload_user_ringbuf_reserve(writer, sizeof record, &at), BPFLOAD_OK,
              bpfload_user_ringbuf_error(writer)))
      return -1;
    if (i % 4 == 3) {
      memset(at, 0xff, sizeof record);
      if (check(message, size, "discard", bpfload_user_ringbuf_discard(writer, at), BPFLOAD_OK,
                bpfload_user_ringbuf_error(writer)))
        return -1;
      continue;
    }
    record.seq = seq++;
    record.value = record.seq * 7 + 2;
    *sum += record.value;
    memcpy(at, &record, sizeof record);
    if (check(message, size, "submit", bpfload_user_ringbuf_submit(writer, at), BPFLOAD_OK,
              bpfload_user_ringbuf_error(writer)))
      return -1;
  }
  return 0;
}

static int refusals(bpfload_object *object, bpfload_user_ringbuf *writer, char *message, size_t size) {
  bpfload_user_ringbuf *refused = NULL;
  void *at = (void *)1;
  const bpfload_error *error;
  if (check(message, size, "a record larger than the ring", bpfload_user_ringbuf_reserve(writer, 8192, &at),
            BPFLOAD_ERR_INVALID_ARGUMENT, bpfload_user_ringbuf_error(writer)))
    return -1;
  error = bpfload_user_ringbuf_error(writer);
  if (at != NULL || error->sys_errno != E2BIG || strstr(error->message, "'user_records'") == NULL) {
    snprintf(message, size, "too large: record %p, errno %d, message %s", at, error->sys_errno, error->message);
    return -1;
  }
  if (bpfload_user_ringbuf_max_record_size(writer) != 4088) {
    snprintf(message, size, "max record size %zu, not 4088", bpfload_user_ringbuf_max_record_size(writer));
    return -1;
  }
  if (check(message, size, "NULL writer", bpfload_user_ringbuf_reserve(NULL, 8, &at), BPFLOAD_ERR_INVALID_ARGUMENT,
            bpfload_user_ringbuf_error(NULL)) ||
      check(message, size, "NULL record", bpfload_user_ringbuf_reserve(writer, 8, NULL),
            BPFLOAD_ERR_INVALID_ARGUMENT, bpfload_user_ringbuf_error(writer)) ||
      check(message, size, "submit NULL", bpfload_user_ringbuf_submit(writer, NULL), BPFLOAD_ERR_INVALID_ARGUMENT,
            bpfload_user_ringbuf_error(writer)) ||
      check(message, size, "NULL map", bpfload_user_ringbuf_new(object, NULL, &refused), BPFLOAD_ERR_INVALID_ARGUMENT,
            bpfload_object_error(object)) ||
      check(message, size, "NULL object", bpfload_user_ringbuf_new(NULL, "user_records", &refused),
            BPFLOAD_ERR_INVALID_ARGUMENT, bpfload_object_error(NULL)) ||
      check(message, size, "NULL path", bpfload_user_ringbuf_new_pinned(NULL, &refused),
            BPFLOAD_ERR_INVALID_ARGUMENT, bpfload_object_error(NULL)) ||
      check(message, size, "no such map", bpfload_user_ringbuf_new(object, "nosuch", &refused),
            BPFLOAD_ERR_NOT_FOUND, bpfload_object_error(object)))
    return -1;
  if (check(message, size, "an array map", bpfload_user_ringbuf_new(object, "totals", &refused),
            BPFLOAD_ERR_INVALID_ARGUMENT, bpfload_object_error(object)))
    return -1;
  if (refused != NULL || strstr(bpfload_object_error(object)->message, "'totals'") == NULL) {
    snprintf(message, size, "wrong type: writer %p, message %s", (void *)refused, bpfload_object_error(object)->message);
    return -1;
  }
  if (check(message, size, "reserve", bpfload_user_ringbuf_reserve(writer, 16, &at), BPFLOAD_OK,
            bpfload_user_ringbuf_error(writer)) ||
      check(message, size, "submit", bpfload_user_ringbuf_submit(writer, at), BPFLOAD_OK,
            bpfload_user_ringbuf_error(writer)) ||
      check(message, size, "submit twice", bpfload_user_ringbuf_submit(writer, at), BPFLOAD_ERR_INVALID_ARGUMENT,
            bpfload_user_ringbuf_error(writer)))
    return -1;
  bpfload_user_ringbuf_free(NULL);
  return 0;
}

int capi_c_user_ringbuf_round_trip(const char *object_path, char *message, size_t message_size) {
  static const unsigned char frame[64] = {[12] = 0x08, [13] = 0x00};
  bpfload_object *object = NULL;
  bpfload_user_ringbuf *writer = NULL;
  struct drain_totals totals;
  uint32_t key = 0;
  uint64_t sum = 0;
  void *at = NULL;
  int result = -1;
  if (check(message, message_size, "open", bpfload_object_open_file(object_path, NULL, &object), BPFLOAD_OK,
            bpfload_object_error(NULL)))
    return -1;
  if (check(message, message_size, "load", bpfload_object_load(object, NULL), BPFLOAD_OK,
            bpfload_object_error(object)))
    goto out;
  if (check(message, message_size, "bpfload_user_ringbuf_new", bpfload_user_ringbuf_new(object, "user_records", &writer),
            BPFLOAD_OK, bpfload_object_error(object)))
    goto out;
  if (write_records(writer, &sum, message, message_size)) goto out;
  if (check(message, message_size, "test run", bpfload_program_test_run(object, "drain", frame, sizeof(frame), 1, NULL),
            BPFLOAD_OK, bpfload_object_error(object)))
    goto out;
  if (check(message, message_size, "lookup totals",
            bpfload_map_lookup(object, "totals", &key, sizeof key, &totals, sizeof totals, NULL), BPFLOAD_OK,
            bpfload_object_error(object)))
    goto out;
  if (totals.records != 30 || totals.drained != 30 || totals.sum != sum || totals.out_of_order != 0 ||
      totals.drain_errors != 0) {
    snprintf(message, message_size, "drained: %llu records (drain said %llu), sum %llu of %llu, %llu out of order",
             (unsigned long long)totals.records, (unsigned long long)totals.drained, (unsigned long long)totals.sum,
             (unsigned long long)sum, (unsigned long long)totals.out_of_order);
    goto out;
  }
  if (refusals(object, writer, message, message_size)) goto out;
  /* The writer holds its own reference to the map. */
  bpfload_object_close(object);
  object = NULL;
  if (check(message, message_size, "reserve after close", bpfload_user_ringbuf_reserve(writer, 16, &at), BPFLOAD_OK,
            bpfload_user_ringbuf_error(writer)) ||
      check(message, message_size, "discard after close", bpfload_user_ringbuf_discard(writer, at), BPFLOAD_OK,
            bpfload_user_ringbuf_error(writer)))
    goto out;
  result = 0;
out:
  bpfload_user_ringbuf_free(writer);
  bpfload_object_close(object);
  return result;
}
