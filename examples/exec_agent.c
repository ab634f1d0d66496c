/* exec_agent: prints "pid N comm X" for every exec on the system, read from the ring
 * buffer of bpf_progs/exec_events.o through the header `bpfload gen skeleton` made of it:
 *
 *   bpfload gen skeleton exec_events.o -o exec_events.skel.h
 *   cc -std=c99 exec_agent.c -o exec_agent $(pkg-config --cflags --libs bpfload)
 *
 *   exec_agent                   every exec, until interrupted
 *   exec_agent --run CMD [ARG]   runs CMD itself once attached, exits 0 once the record of
 *                                that exec came, 1 when it did not within 10 s
 *
 * Needs root (bpf() and the tracepoint). */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec_events.skel.h"

/* The record the program writes (bpf_progs/exec_events.c). */
struct exec_event {
  uint32_t pid;
  uint32_t tag;
  char comm[16];
};

struct agent {
  uint32_t tag;     /* what the program was told to write: this process's pid */
  pid_t child;      /* --run: the pid whose exec ends the wait; 0 otherwise */
  int child_seen;
  int bad_records;
};

static int on_exec(void *ctx, const void *data, size_t size) {
  struct agent *agent = (struct agent *)ctx;
  struct exec_event event;
  if (size < sizeof(event)) {
    fprintf(stderr, "exec_agent: a record of %zu bytes, expected %zu\n", size, sizeof(event));
    agent->bad_records++;
    return 0;
  }
  memcpy(&event, data, sizeof(event));
  event.comm[sizeof(event.comm) - 1] = '\0';
  if (event.tag != agent->tag) agent->bad_records++;
  printf("pid %u comm %s\n", (unsigned)event.pid, event.comm);
  if (agent->child != 0 && (pid_t)event.pid == agent->child) {
    agent->child_seen = 1;
    return 1; /* stop this poll: what we waited for came */
  }
  return 0;
}

static int fail(const char *what, const bpfload_error *error) {
  fprintf(stderr, "exec_agent: %s: %s: %s\n", what, bpfload_status_name(error->kind), error->message);
  return 1;
}

/* Forks and execs argv[0]; the child stops here if the exec fails. */
static pid_t start(char **argv) {
  pid_t pid = fork();
  if (pid == 0) {
    execvp(argv[0], argv);
    _exit(127);
  }
  return pid;
}

int main(int argc, char **argv) {
  struct agent agent;
  bpfload_error_buf error;
  struct exec_events *skel;
  bpfload_ringbuf *ring = NULL;
  int polls, status = 0, rc = 1;
  const int run = argc >= 3 && strcmp(argv[1], "--run") == 0;

  if (argc != 1 && !run) {
    fprintf(stderr, "usage: exec_agent [--run CMD [ARG...]]\n");
    return 2;
  }
  memset(&agent, 0, sizeof(agent));
  agent.tag = (uint32_t)getpid();
  bpfload_error_buf_init(&error);
  skel = exec_events__open(&error);
  if (skel == NULL) {
    fprintf(stderr, "exec_agent: open: %s\n", error.message);
    return 1;
  }
  skel->rodata->tag = agent.tag; /* a constant: set before the load, frozen by it */
  if (exec_events__load(skel) != BPFLOAD_OK) {
    rc = fail("load", bpfload_object_error(skel->obj));
    goto out;
  }
  if (exec_events__attach(skel) != BPFLOAD_OK) {
    rc = fail("attach", bpfload_object_error(skel->obj));
    goto out;
  }
  if (bpfload_ringbuf_new(skel->obj, "events", on_exec, &agent, &ring) != BPFLOAD_OK) {
    rc = fail("ring buffer", bpfload_object_error(skel->obj));
    goto out;
  }
  if (run) {
    agent.child = start(argv + 2);
    if (agent.child < 0) {
      perror("exec_agent: fork");
      goto out;
    }
  }
  fflush(stdout);
  /* --run: up to 10 polls of a second each; otherwise until interrupted. */
  for (polls = 0; !run || (polls < 10 && !agent.child_seen); ++polls) {
    if (bpfload_ringbuf_poll(ring, 1000, NULL) != BPFLOAD_OK) {
      rc = fail("poll", bpfload_ringbuf_error(ring));
      goto out;
    }
    fflush(stdout);
  }
  if (agent.child > 0) waitpid(agent.child, &status, 0);
  if (!agent.child_seen) {
    fprintf(stderr, "exec_agent: no exec record of pid %d within 10 s\n", (int)agent.child);
    goto out;
  }
  if (agent.bad_records != 0) {
    fprintf(stderr, "exec_agent: %d records did not carry the tag %u set before the load\n", agent.bad_records,
            (unsigned)agent.tag);
    goto out;
  }
  printf("execs counted: %llu, dropped: %llu\n", (unsigned long long)skel->bss->exec_count,
         (unsigned long long)skel->bss->dropped);
  rc = 0;
out:
  bpfload_ringbuf_free(ring);
  exec_events__destroy(skel);
  return rc;
}
