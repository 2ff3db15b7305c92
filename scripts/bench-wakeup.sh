#!/usr/bin/env bash
# What a cross-process wake-up costs on this machine, next to a system call: the floor under every
# FUSE and 9P round trip (docs/benchmarks.md, "Why metadata stays slow").
#   scripts/bench-wakeup.sh
# Two processes bounce one byte over a socketpair 20,000 times, blocking in read(2) (each round
# trip wakes each side once) and then polling with non-blocking reads (no sleep, no wake-up).
set -euo pipefail
work=$(mktemp -d /tmp/bench-wakeup.XXXXXX)
trap 'rm -rf "$work"' EXIT
cat > "$work/w.c" <<'C'
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e9 + t.tv_nsec; }
/* one byte in, one byte out; poll = spin on EAGAIN instead of sleeping; ends at EOF */
static int get(int fd, char *c, int poll) {
  for (;;) {
    ssize_t n = read(fd, c, 1);
    if (n >= 0) return (int) n;
    if (!(poll && errno == EAGAIN)) return -1;
  }
}
static double bounce(int poll, int rounds) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) { perror("socketpair"); exit(1); }
  if (poll) { fcntl(sv[0], F_SETFL, O_NONBLOCK); fcntl(sv[1], F_SETFL, O_NONBLOCK); }
  pid_t child = fork();
  if (child == 0) {
    close(sv[0]);
    char c;
    while (get(sv[1], &c, poll) == 1) write(sv[1], &c, 1);
    _exit(0);
  }
  close(sv[1]);
  char c = 'x';
  double s = now();
  for (int i = 0; i < rounds; i++) { write(sv[0], &c, 1); get(sv[0], &c, poll); }
  double e = now();
  close(sv[0]);
  waitpid(child, NULL, 0);
  return (e - s) / rounds / 1000;
}
int main(void) {
  int n = 200000;
  double s = now();
  for (int i = 0; i < n; i++) syscall(SYS_getppid);
  printf("| system call (getppid) | %.2f µs |\n", (now() - s) / n / 1000);
  printf("| round trip between two processes, blocking reads (2 wake-ups) | %.1f µs |\n", bounce(0, 20000));
  printf("| round trip between two processes, polling reads (no wake-up) | %.1f µs |\n", bounce(1, 20000));
  return 0;
}
C
gcc -O2 -o "$work/w" "$work/w.c"
echo "| what | cost |"
echo "|---|---|"
"$work/w"
