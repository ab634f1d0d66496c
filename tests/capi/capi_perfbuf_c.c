/* The C API's perf buffer reader used from C, as an agent written in C would. */
#include "capi_perfbuf_c.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bpfload/bpfload.h"

struct tally {
  size_t samples;
  uint64_t lost;
  uint64_t last_seq;
  int bad;
};

/* struct event of bpf_progs/ring_events.c: cpu, kind, seq, 20 bytes; padded to 44. */
static int on_sample(void *ctx, int cpu, const void *data, size_t size) {
  struct tally *tally = ctx;
  uint32_t event_cpu;
  if (size < 40 || size >= 48) {
    tally->bad = 1;
    return 0;
  }
  memcpy(&event_cpu, data, sizeof(event_cpu));
  if ((int)event_cpu != cpu) tally->bad = 1;
  memcpy(&tally->last_seq, (const char *)data + 8, sizeof(tally->last_seq));
  tally->samples++;
  return 0;
}

static void on_lost(void *ctx, int cpu, uint64_t lost) {
  struct tally *tally = ctx;
  (void)cpu;
  tally->lost += lost;
}

static int check(char *message, size_t size, const char *step, bpfload_status got, bpfload_status wanted,
                 const bpfload_error *error) {
  if (got == wanted) return 0;
  snprintf(message, size, "%s: status %s, wanted %s (%s)", step, bpfload_status_name(got),
           bpfload_status_name(wanted), error->message);
  return -1;
}

int capi_c_perfbuf_round_trip(const char *object_path, char *message, size_t message_size) {
  static const unsigned char frame[64] = {[12] = 0x08, [13] = 0x00};
  struct tally tally = {0};
  bpfload_object *object = NULL;
  bpfload_perfbuf *reader = NULL;
  bpfload_perfbuf *refused = NULL;
  size_t samples = 0;
  int result = -1;
  if (check(message, message_size, "open", bpfload_object_open_file(object_path, NULL, &object), BPFLOAD_OK,
            bpfload_object_error(NULL)))
    return -1;
  if (check(message, message_size, "load", bpfload_object_load(object, NULL), BPFLOAD_OK,
            bpfload_object_error(object)))
    goto out;
  if (check(message, message_size, "bpfload_perfbuf_new",
            bpfload_perfbuf_new(object, "perf_events", 1, on_sample, on_lost, &tally, &reader), BPFLOAD_OK,
            bpfload_object_error(object)))
    goto out;
  if (bpfload_perfbuf_epoll_fd(reader) < 0) {
    snprintf(message, message_size, "bpfload_perfbuf_epoll_fd: negative");
    goto out;
  }
  if (check(message, message_size, "test run", bpfload_program_test_run(object, "emit_perf", frame, sizeof(frame), 10, NULL),
            BPFLOAD_OK, bpfload_object_error(object)))
    goto out;
  if (check(message, message_size, "poll", bpfload_perfbuf_poll(reader, -1, &samples), BPFLOAD_OK,
            bpfload_perfbuf_error(reader)))
    goto out;
  if (samples != 10 || tally.samples != 10 || tally.last_seq != 9 || tally.bad) {
    snprintf(message, message_size, "poll: %zu samples, %zu seen, last %llu, bad %d", samples, tally.samples,
             (unsigned long long)tally.last_seq, tally.bad);
    goto out;
  }
  /* A burst bigger than one page: some are lost, reported with the next sample that fits. */
  bpfload_program_test_run(object, "emit_perf", frame, sizeof(frame), 500, NULL);
  bpfload_perfbuf_consume(reader, NULL);
  bpfload_program_test_run(object, "emit_perf", frame, sizeof(frame), 1, NULL);
  if (check(message, message_size, "consume", bpfload_perfbuf_consume(reader, NULL), BPFLOAD_OK,
            bpfload_perfbuf_error(reader)))
    goto out;
  if (tally.lost == 0 || tally.lost != bpfload_perfbuf_lost(reader) || tally.samples + tally.lost != 511) {
    snprintf(message, message_size, "burst: %zu samples, %llu lost (reader says %llu)", tally.samples,
             (unsigned long long)tally.lost, (unsigned long long)bpfload_perfbuf_lost(reader));
    goto out;
  }
  /* Refusals. */
  if (check(message, message_size, "a ring buffer map",
            bpfload_perfbuf_new(object, "small_ring", 1, on_sample, NULL, &tally, &refused),
            BPFLOAD_ERR_INVALID_ARGUMENT, bpfload_object_error(object)))
    goto out;
  if (strstr(bpfload_object_error(object)->message, "'small_ring'") == NULL) {
    snprintf(message, message_size, "wrong type message: %s", bpfload_object_error(object)->message);
    goto out;
  }
  if (check(message, message_size, "3 pages", bpfload_perfbuf_new(object, "perf_events", 3, on_sample, NULL, &tally, &refused),
            BPFLOAD_ERR_INVALID_ARGUMENT, bpfload_object_error(object)))
    goto out;
  if (check(message, message_size, "NULL sample", bpfload_perfbuf_new(object, "perf_events", 1, NULL, NULL, &tally, &refused),
            BPFLOAD_ERR_INVALID_ARGUMENT, bpfload_object_error(object)))
    goto out;
  if (check(message, message_size, "NULL object", bpfload_perfbuf_new(NULL, "perf_events", 1, on_sample, NULL, &tally, &refused),
            BPFLOAD_ERR_INVALID_ARGUMENT, bpfload_object_error(NULL)))
    goto out;
  if (check(message, message_size, "poll NULL", bpfload_perfbuf_poll(NULL, 0, NULL), BPFLOAD_ERR_INVALID_ARGUMENT,
            bpfload_perfbuf_error(NULL)))
    goto out;
  if (check(message, message_size, "missing pin",
            bpfload_perfbuf_new_pinned("/sys/fs/bpf/bpfload-no-such-perf", 1, on_sample, NULL, &tally, &refused),
            BPFLOAD_ERR_KERNEL, bpfload_object_error(NULL)))
    goto out;
  if (refused != NULL || bpfload_perfbuf_lost(NULL) != 0 || bpfload_perfbuf_epoll_fd(NULL) != -1) {
    snprintf(message, message_size, "a refused reader was stored, or NULL answers are wrong");
    goto out;
  }
  bpfload_perfbuf_free(NULL);
  result = 0;
out:
  bpfload_perfbuf_free(reader);
  bpfload_object_close(object);
  return result;
}
