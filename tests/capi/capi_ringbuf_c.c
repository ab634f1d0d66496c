/* The C API's ring buffer reader used from C, as an agent written in C would. */
#include "capi_ringbuf_c.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bpfload/bpfload.h"

struct seen {
  size_t count;
  uint64_t seqs[64];
  int wrong_size;
};

/* struct event of bpf_progs/ring_events.c: cpu, kind, seq, 20 bytes of payload. */
static int collect(void *ctx, const void *data, size_t size) {
  struct seen *seen = ctx;
  uint64_t seq;
  if (size != 40) {
    seen->wrong_size = 1;
    return 0;
  }
  memcpy(&seq, (const char *)data + 8, sizeof(seq));
  if (seen->count < sizeof(seen->seqs) / sizeof(seen->seqs[0])) seen->seqs[seen->count] = seq;
  seen->count++;
  return 0;
}

static int fail(char *message, size_t size, const char *step, const char *detail) {
  snprintf(message, size, "%s: %s", step, detail);
  return -1;
}

static bpfload_object *open_loaded(const char *path, char *message, size_t size) {
  bpfload_object *object = NULL;
  if (bpfload_object_open_file(path, NULL, &object) != BPFLOAD_OK) {
    fail(message, size, "open", bpfload_object_error(NULL)->message);
    return NULL;
  }
  if (bpfload_object_load(object, NULL) != BPFLOAD_OK) {
    fail(message, size, "load", bpfload_object_error(object)->message);
    bpfload_object_close(object);
    return NULL;
  }
  return object;
}

int capi_c_ringbuf_round_trip(const char *object_path, char *message, size_t message_size) {
  static const unsigned char frame[64] = {[12] = 0x08, [13] = 0x00};
  struct seen seen = {0};
  bpfload_ringbuf *reader = NULL;
  size_t records = 0;
  size_t i;
  bpfload_object *object = open_loaded(object_path, message, message_size);
  if (object == NULL) return -1;
  if (bpfload_ringbuf_new(object, "small_ring", collect, &seen, &reader) != BPFLOAD_OK) {
    fail(message, message_size, "bpfload_ringbuf_new", bpfload_object_error(object)->message);
    bpfload_object_close(object);
    return -1;
  }
  if (bpfload_ringbuf_epoll_fd(reader) < 0) {
    fail(message, message_size, "bpfload_ringbuf_epoll_fd", "negative");
    goto out;
  }
  if (bpfload_program_test_run(object, "emit_small", frame, sizeof(frame), 10, NULL) != BPFLOAD_OK) {
    fail(message, message_size, "test run", bpfload_object_error(object)->message);
    goto out;
  }
  if (bpfload_ringbuf_poll(reader, -1, &records) != BPFLOAD_OK) {
    fail(message, message_size, "bpfload_ringbuf_poll", bpfload_ringbuf_error(reader)->message);
    goto out;
  }
  if (records != 10 || seen.count != 10 || seen.wrong_size) {
    snprintf(message, message_size, "poll: %zu records, %zu seen, wrong size %d", records, seen.count,
             seen.wrong_size);
    goto out;
  }
  for (i = 0; i < 10; i++)
    if (seen.seqs[i] != i) {
      snprintf(message, message_size, "record %zu has sequence number %llu", i, (unsigned long long)seen.seqs[i]);
      goto out;
    }
  if (bpfload_program_test_run(object, "emit_small", frame, sizeof(frame), 5, NULL) != BPFLOAD_OK) {
    fail(message, message_size, "second test run", bpfload_object_error(object)->message);
    goto out;
  }
  /* The reader holds its own references: the records are there after the object closed. */
  bpfload_object_close(object);
  object = NULL;
  if (bpfload_ringbuf_consume(reader, &records) != BPFLOAD_OK || records != 5 || seen.count != 15 ||
      seen.seqs[14] != 14) {
    snprintf(message, message_size, "consume after close: %zu records, %zu seen (%s)", records, seen.count,
             bpfload_ringbuf_error(reader)->message);
    goto out;
  }
  bpfload_ringbuf_free(reader);
  return 0;
out:
  bpfload_ringbuf_free(reader);
  if (object != NULL) bpfload_object_close(object);
  return -1;
}

static int expect(char *message, size_t size, const char *step, bpfload_status got, bpfload_status wanted,
                  const bpfload_error *error, const char *mentions) {
  if (got != wanted) {
    snprintf(message, size, "%s: status %s, wanted %s (%s)", step, bpfload_status_name(got),
             bpfload_status_name(wanted), error->message);
    return -1;
  }
  if (mentions != NULL && strstr(error->message, mentions) == NULL) {
    snprintf(message, size, "%s: message '%s' does not mention %s", step, error->message, mentions);
    return -1;
  }
  return 0;
}

int capi_c_ringbuf_refusals(const char *object_path, char *message, size_t message_size) {
  struct seen seen = {0};
  bpfload_ringbuf *reader = NULL;
  bpfload_object *unloaded = NULL;
  bpfload_status status;
  int result = -1;
  bpfload_object *object = open_loaded(object_path, message, message_size);
  if (object == NULL) return -1;

  status = bpfload_ringbuf_new(NULL, "small_ring", collect, &seen, &reader);
  if (expect(message, message_size, "NULL object", status, BPFLOAD_ERR_INVALID_ARGUMENT, bpfload_object_error(NULL),
             "object"))
    goto out;
  status = bpfload_ringbuf_new(object, NULL, collect, &seen, &reader);
  if (expect(message, message_size, "NULL map", status, BPFLOAD_ERR_INVALID_ARGUMENT, bpfload_object_error(object),
             "map"))
    goto out;
  status = bpfload_ringbuf_new(object, "small_ring", NULL, &seen, &reader);
  if (expect(message, message_size, "NULL callback", status, BPFLOAD_ERR_INVALID_ARGUMENT,
             bpfload_object_error(object), "callback"))
    goto out;
  status = bpfload_ringbuf_new(object, "small_ring", collect, &seen, NULL);
  if (expect(message, message_size, "NULL reader", status, BPFLOAD_ERR_INVALID_ARGUMENT,
             bpfload_object_error(object), "reader"))
    goto out;
  status = bpfload_ringbuf_new(object, "seqs", collect, &seen, &reader);
  if (expect(message, message_size, "a per-CPU array", status, BPFLOAD_ERR_INVALID_ARGUMENT,
             bpfload_object_error(object), "'seqs'"))
    goto out;
  status = bpfload_ringbuf_new(object, "nosuch", collect, &seen, &reader);
  if (expect(message, message_size, "no such map", status, BPFLOAD_ERR_NOT_FOUND, bpfload_object_error(object),
             "'nosuch'"))
    goto out;
  if (reader != NULL) {
    snprintf(message, message_size, "a failed bpfload_ringbuf_new stored a reader");
    goto out;
  }
  if (bpfload_object_open_file(object_path, NULL, &unloaded) != BPFLOAD_OK) {
    fail(message, message_size, "open", bpfload_object_error(NULL)->message);
    goto out;
  }
  status = bpfload_ringbuf_new(unloaded, "small_ring", collect, &seen, &reader);
  if (expect(message, message_size, "object not loaded", status, BPFLOAD_ERR_INVALID_ARGUMENT,
             bpfload_object_error(unloaded), "not loaded"))
    goto out;
  status = bpfload_ringbuf_new_pinned("/sys/fs/bpf/bpfload-no-such-ring", collect, &seen, &reader);
  if (expect(message, message_size, "missing pin", status, BPFLOAD_ERR_KERNEL, bpfload_object_error(NULL),
             "/sys/fs/bpf/bpfload-no-such-ring"))
    goto out;
  status = bpfload_ringbuf_new_pinned(NULL, collect, &seen, &reader);
  if (expect(message, message_size, "NULL path", status, BPFLOAD_ERR_INVALID_ARGUMENT, bpfload_object_error(NULL),
             "path"))
    goto out;
  status = bpfload_ringbuf_poll(NULL, 0, NULL);
  if (expect(message, message_size, "poll NULL", status, BPFLOAD_ERR_INVALID_ARGUMENT, bpfload_ringbuf_error(NULL),
             "reader"))
    goto out;
  status = bpfload_ringbuf_consume(NULL, NULL);
  if (expect(message, message_size, "consume NULL", status, BPFLOAD_ERR_INVALID_ARGUMENT,
             bpfload_ringbuf_error(NULL), "reader"))
    goto out;
  if (bpfload_ringbuf_epoll_fd(NULL) != -1) {
    fail(message, message_size, "bpfload_ringbuf_epoll_fd(NULL)", "not -1");
    goto out;
  }
  bpfload_ringbuf_free(NULL);

  /* A reader refuses a wrong map on add and stays usable. */
  if (bpfload_ringbuf_new(object, "small_ring", collect, &seen, &reader) != BPFLOAD_OK) {
    fail(message, message_size, "bpfload_ringbuf_new", bpfload_object_error(object)->message);
    goto out;
  }
  status = bpfload_ringbuf_add(reader, object, "drops", collect, &seen);
  if (expect(message, message_size, "add an array", status, BPFLOAD_ERR_INVALID_ARGUMENT,
             bpfload_ringbuf_error(reader), "'drops'"))
    goto out;
  status = bpfload_ringbuf_add(reader, NULL, "big_ring", collect, &seen);
  if (expect(message, message_size, "add NULL object", status, BPFLOAD_ERR_INVALID_ARGUMENT,
             bpfload_ringbuf_error(reader), "object"))
    goto out;
  status = bpfload_ringbuf_add(reader, object, "big_ring", collect, &seen);
  if (expect(message, message_size, "add big_ring", status, BPFLOAD_OK, bpfload_ringbuf_error(reader), NULL)) goto out;
  status = bpfload_ringbuf_consume(reader, NULL);
  if (expect(message, message_size, "consume", status, BPFLOAD_OK, bpfload_ringbuf_error(reader), NULL)) goto out;
  result = 0;
out:
  bpfload_ringbuf_free(reader);
  if (unloaded != NULL) bpfload_object_close(unloaded);
  bpfload_object_close(object);
  return result;
}
