/* An exec tracer in C over a perf buffer, the way the tools older than ring buffers read
 * their events: loads bpf_progs/exec_perf_events.o (a legacy perf event array), attaches
 * its tracepoint, and prints "pid N comm X" for every exec on the machine, and the samples
 * the kernel could not fit, until interrupted.
 *
 *   cc -std=c99 perf_agent.c $(pkg-config --cflags --libs bpfload) -o perf_agent
 *   sudo ./perf_agent build/bpf_progs/exec_perf_events.o
 *   sudo ./perf_agent build/bpf_progs/exec_perf_events.o --run /bin/true [ARGS...]
 *
 * With --run, once the tracepoint is attached it starts the command itself and exits 0
 * as soon as it has read the exec of that child, or 1 when the child exited without it
 * (the exec failed) or none came within --timeout seconds (default 10): a check that
 * needs no sleeps, for CI. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpfload/bpfload.h>

/* struct exec_event of exec_perf_events.c. */
#define COMM_LEN 16
#define EVENT_SIZE (4 + COMM_LEN)

struct agent {
  pid_t child;              /* --run: the pid whose exec ends the wait; 0: none */
  int child_seen;
  int child_reaped;         /* its exit status was collected */
  unsigned long long execs; /* samples read */
  unsigned long long lost;  /* samples the kernel reported lost */
};

static volatile sig_atomic_t stop_requested;

static void request_stop(int signal_number) {
  (void)signal_number;
  stop_requested = 1;
}

static int report(const char *what, const bpfload_error *error) {
  fprintf(stderr, "%s failed (%s, errno %d): %s\n", what, bpfload_status_name(error->kind), error->sys_errno,
          error->message);
  if (error->verifier_log[0] != '\0') fprintf(stderr, "verifier log:\n%s\n", error->verifier_log);
  return 1;
}

static int on_sample(void *ctx, int cpu, const void *data, size_t size) {
  struct agent *agent = ctx;
  const unsigned char *bytes = data;
  uint32_t pid;
  char comm[COMM_LEN + 1];

  (void)cpu;
  if (size < EVENT_SIZE) {
    fprintf(stderr, "cpu %d: a sample of %lu bytes, shorter than an exec event (%d bytes)\n", cpu,
            (unsigned long)size, EVENT_SIZE);
    return 0;
  }
  memcpy(&pid, bytes, sizeof pid);
  memcpy(comm, bytes + 4, COMM_LEN);
  comm[COMM_LEN] = '\0';
  ++agent->execs;
  printf("pid %lu comm %s\n", (unsigned long)pid, comm);
  fflush(stdout);
  if (agent->child != 0 && (pid_t)pid == agent->child) {
    agent->child_seen = 1;
    return 1; /* stop this poll: what --run waited for is here */
  }
  return 0;
}

static void on_lost(void *ctx, int cpu, uint64_t lost) {
  struct agent *agent = ctx;
  agent->lost += lost;
  printf("cpu %d: %llu samples lost\n", cpu, (unsigned long long)lost);
  fflush(stdout);
}

static double now_seconds(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

/* Starts `argv` as a child; its pid, or -1 (errno set). */
static pid_t start_child(char **argv) {
  pid_t pid = fork();
  if (pid == 0) {
    execvp(argv[0], argv);
    fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  return pid;
}

/* Reads samples until the child's exec was read (--run) or until stopped; the exit code. */
static int read_events(bpfload_perfbuf *reader, struct agent *agent, double timeout, char **run) {
  const double deadline = now_seconds() + timeout;
  int status = 0;

  if (run != NULL) {
    agent->child = start_child(run);
    if (agent->child < 0) {
      fprintf(stderr, "fork failed: %s\n", strerror(errno));
      return 1;
    }
  }
  while (!stop_requested && !agent->child_seen) {
    int wait_ms = 1000;
    if (run != NULL) {
      double left = deadline - now_seconds();
      if (left <= 0) break;
      if (left < 1.0) wait_ms = (int)(left * 1000) + 1;
      wait_ms = wait_ms < 100 ? wait_ms : 100;
    }
    if (bpfload_perfbuf_poll(reader, wait_ms, NULL) != BPFLOAD_OK) return report("poll", bpfload_perfbuf_error(reader));
    /* The exec's sample is written in the child, before it can exit: once it has exited,
     * what is in the rings now is all there will be. */
    if (run != NULL && !agent->child_seen && waitpid(agent->child, &status, WNOHANG) == agent->child) {
      agent->child_reaped = 1;
      if (bpfload_perfbuf_consume(reader, NULL) != BPFLOAD_OK) return report("consume", bpfload_perfbuf_error(reader));
      break;
    }
  }
  printf("%llu execs read, %llu samples lost\n", agent->execs, agent->lost);
  if (run == NULL) return 0;
  if (!agent->child_reaped && waitpid(agent->child, &status, 0) < 0) status = -1;
  if (!agent->child_seen) {
    fprintf(stderr, "FAIL: no exec event of pid %ld (%s) %s (child %s %d)\n", (long)agent->child, run[0],
            agent->child_reaped ? "before it exited" : "within the timeout",
            WIFEXITED(status) ? "exit status" : "wait status", WIFEXITED(status) ? WEXITSTATUS(status) : status);
    return 1;
  }
  printf("read the exec of pid %ld (%s)\n", (long)agent->child, run[0]);
  return 0;
}

static int usage(const char *name) {
  fprintf(stderr, "usage: %s OBJECT [--timeout S] [--run COMMAND [ARGS...]]\n", name);
  return 2;
}

int main(int argc, char **argv) {
  const char *path;
  char **run = NULL;
  double timeout = 10;
  struct agent agent;
  bpfload_object *object = NULL;
  bpfload_perfbuf *reader = NULL;
  bpfload_link *link = NULL;
  struct sigaction stop;
  int i;
  int rc;

  if (argc < 2) return usage(argv[0]);
  path = argv[1];
  for (i = 2; i < argc; ++i) {
    if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
      timeout = atof(argv[++i]);
    } else if (strcmp(argv[i], "--run") == 0 && i + 1 < argc) {
      run = argv + i + 1;
      break;
    } else {
      return usage(argv[0]);
    }
  }
  memset(&agent, 0, sizeof agent);
  memset(&stop, 0, sizeof stop);
  stop.sa_handler = request_stop;
  sigaction(SIGINT, &stop, NULL);
  sigaction(SIGTERM, &stop, NULL);

  if (bpfload_object_open_file(path, NULL, &object) != BPFLOAD_OK) return report("open", bpfload_object_error(NULL));
  if (bpfload_object_load(object, NULL) != BPFLOAD_OK) {
    rc = report("load", bpfload_object_error(object));
    bpfload_object_close(object);
    return rc;
  }
  /* The reader first: its per-CPU events must be in the map before the first exec. */
  if (bpfload_perfbuf_new(object, "exec_events", 8, on_sample, on_lost, &agent, &reader) != BPFLOAD_OK) {
    rc = report("perf buffer", bpfload_object_error(object));
    bpfload_object_close(object);
    return rc;
  }
  if (bpfload_program_attach(object, "trace_exec", NULL, &link) != BPFLOAD_OK) {
    rc = report("attach", bpfload_object_error(object));
  } else {
    printf("tracing execs through perf buffer 'exec_events' (%s)\n", path);
    fflush(stdout);
    rc = read_events(reader, &agent, timeout, run);
  }
  bpfload_perfbuf_free(reader);
  bpfload_object_close(object);
  return rc;
}
