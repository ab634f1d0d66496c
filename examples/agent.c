/* A minimal agent in C: loads a legacy XDP object, runs its program on a test frame,
 * reads the per-CPU counter it keeps, by name, and shows the error for a map the object
 * does not have.
 *
 *   cc agent.c $(pkg-config --cflags --libs bpfload) -o agent
 *   sudo ./agent [build/bpf_progs/sample_xdp_legacy.o]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpfload/bpfload.h>

static int report(const char *what, const bpfload_object *object) {
  const bpfload_error *error = bpfload_object_error(object);
  fprintf(stderr, "%s failed (%s, errno %d): %s\n", what, bpfload_status_name(error->kind), error->sys_errno,
          error->message);
  if (error->verifier_log[0] != '\0') fprintf(stderr, "verifier log:\n%s\n", error->verifier_log);
  return 1;
}

/* Ethernet + IPv4 header of a UDP packet, enough for xdp_proto_count to count it. */
static void udp_frame(unsigned char frame[64]) {
  unsigned i;
  for (i = 0; i < 64; ++i) frame[i] = 0;
  frame[12] = 0x08; /* h_proto ETH_P_IP */
  frame[14] = 0x45; /* IPv4, 20-byte header */
  frame[23] = 17;   /* protocol UDP */
}

static int run(bpfload_object *object) {
  unsigned char frame[64];
  uint32_t retval = 0;
  uint32_t key = 17;
  uint64_t total = 0;
  uint32_t cpu;
  unsigned char *values;
  bpfload_map_info info = BPFLOAD_OPTS_INIT(info);

  if (bpfload_object_load(object, NULL) != BPFLOAD_OK) return report("load", object);

  udp_frame(frame);
  if (bpfload_program_test_run(object, "xdp_proto_count", frame, sizeof frame, 3, &retval) != BPFLOAD_OK)
    return report("test run", object);
  printf("xdp_proto_count ran 3 times, returned %u (XDP_PASS is 2)\n", retval);

  /* A per-CPU map holds one value per possible CPU: ask how big a value buffer is. */
  if (bpfload_map_get_info(object, "rxcnt", &info) != BPFLOAD_OK) return report("map info", object);
  values = malloc(info.value_buffer_size);
  if (values == NULL) return 1;
  if (bpfload_map_lookup(object, "rxcnt", &key, sizeof key, values, info.value_buffer_size, NULL) != BPFLOAD_OK) {
    free(values);
    return report("lookup", object);
  }
  for (cpu = 0; cpu < info.value_count; ++cpu) {
    uint64_t value;
    memcpy(&value, values + cpu * info.value_stride, sizeof value);
    total += value;
  }
  free(values);
  printf("rxcnt[17] (UDP) = %llu packets over %u possible CPUs\n", (unsigned long long)total, info.value_count);

  /* A name the object does not have is an error value, not a crash or an fd of -1. */
  if (bpfload_map_lookup(object, "nosuch", &key, sizeof key, &total, sizeof total, NULL) != BPFLOAD_OK) {
    const bpfload_error *error = bpfload_object_error(object);
    printf("map 'nosuch': %s: %s\n", bpfload_status_name(error->kind), error->message);
  }
  return 0;
}

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "build/bpf_progs/sample_xdp_legacy.o";
  bpfload_object *object = NULL;
  int rc;

  printf("bpfload %s\n", bpfload_version());
  if (bpfload_object_open_file(path, NULL, &object) != BPFLOAD_OK) return report("open", NULL);
  rc = run(object);
  bpfload_object_close(object);
  return rc;
}
