// Fan-out receivers for `npm run bench -- node` (compiled at run time by test/bench/_c-sink.ts).
// The node benchmark measures publish -> delivery over thousands of sockets on a 2-core machine, so
// the receivers must cost next to nothing: Node receivers spent ~10-20 us of JS per socket read,
// 50-100 ms of CPU per fan-out to 5,000 sockets, which the latency then measured. This program holds
// all the sockets of one receiver process in one epoll loop.
//
//   fanout-sink ws  HOST PORT PATH COUNT TOPIC   WebSocket subscribers (docs/node-api.md §3): HTTP upgrade,
//                                                masked subscribe frame, server frames parsed, pings
//                                                answered; latency = arrival - envelope timestampNs
//   fanout-sink tcp HOST PORT COUNT              raw TCP sinks of the floor (_tcp-fanout.ts):
//                                                400-byte messages stamped in their first 20 bytes
//
// Prints "ready" once every socket is connected (and subscribed), or "failed <why>". Commands on
// stdin: "report" prints "records N closed C" and N lines "stamp_ms latency_ms"; "stop" or EOF exits.
// Arrival time is taken when a read returns (CLOCK_REALTIME, ms), as the Node receivers did.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { CONNECTING, UPGRADING, SUBSCRIBING, LIVE, CLOSED };
#define TCP_MESSAGE 400
#define WAVE 100

typedef struct {
  int fd, state;
  unsigned char *buf;
  size_t len, cap;
} conn_t;

static int ws_mode;
static conn_t *conns;
static int count, live;
static double *stamps, *latencies;
static size_t records, records_cap;
static int closed_early;

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  printf("failed ");
  vprintf(fmt, ap);
  printf("\n");
  fflush(stdout);
  va_end(ap);
  exit(1);
}

static void record(double stamp, double latency) {
  if (records == records_cap) {
    records_cap = records_cap ? records_cap * 2 : 1 << 16;
    stamps = realloc(stamps, records_cap * sizeof *stamps);
    latencies = realloc(latencies, records_cap * sizeof *latencies);
    if (!stamps || !latencies) fail("out of memory");
  }
  stamps[records] = stamp;
  latencies[records++] = latency;
}

static void send_all(int fd, const void *data, size_t len) {
  const char *p = data;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EAGAIN) continue;  // tiny client frames: the buffer frees at once
    if (n <= 0) return;
    p += n;
    len -= (size_t)n;
  }
}

// A masked client frame (RFC 6455 section 5.3), payload < 126 bytes.
static void send_frame(int fd, int opcode, const unsigned char *payload, size_t len) {
  unsigned char frame[6 + 125];
  if (len > 125) len = 125;
  uint32_t mask = (uint32_t)rand();
  frame[0] = 0x80 | opcode;
  frame[1] = 0x80 | (unsigned char)len;
  memcpy(frame + 2, &mask, 4);
  for (size_t i = 0; i < len; i++) frame[6 + i] = payload[i] ^ frame[2 + i % 4];
  send_all(fd, frame, 6 + len);
}

static const char *TIMESTAMP_KEY = "\"timestampNs\":\"";

static void on_text(conn_t *c, const unsigned char *p, size_t len, double arrived) {
  const char *at = memmem(p, len, TIMESTAMP_KEY, strlen(TIMESTAMP_KEY));
  if (at) {
    unsigned long long ns = strtoull(at + strlen(TIMESTAMP_KEY), NULL, 10);
    double stamp = (double)(ns / 1000000ULL) + (double)(ns % 1000000ULL) / 1e6;
    record(stamp, arrived - stamp);
  } else if (c->state == SUBSCRIBING && memmem(p, len, "\"id\":1", 6)) {
    if (memmem(p, len, "\"error\"", 7)) fail("subscribe refused: %.*s", (int)len, p);
    c->state = LIVE;
    live++;
  }
}

// Parses whole frames from the connection's buffer; a partial frame waits for the next read.
static void parse_ws(conn_t *c, double arrived) {
  size_t off = 0;
  if (c->state == UPGRADING) {
    unsigned char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
    if (!end) return;
    if (c->len < 12 || memcmp(c->buf, "HTTP/1.1 101", 12) != 0) fail("upgrade refused: %.*s", (int)(end - c->buf), c->buf);
    off = (size_t)(end - c->buf) + 4;
    c->state = SUBSCRIBING;
  }
  while (c->len - off >= 2) {
    unsigned char *f = c->buf + off;
    int opcode = f[0] & 0x0f;
    size_t length = f[1] & 0x7f, header = 2;
    if (length == 126) {
      if (c->len - off < 4) break;
      length = (size_t)f[2] << 8 | f[3];
      header = 4;
    } else if (length == 127) {
      if (c->len - off < 10) break;
      length = 0;
      for (int i = 2; i < 10; i++) length = length << 8 | f[i];
      header = 10;
    }
    if (c->len - off < header + length) break;
    if (opcode == 0x1) on_text(c, f + header, length, arrived);
    else if (opcode == 0x9) send_frame(c->fd, 0xa, f + header, length);
    else if (opcode == 0x8) c->state = CLOSED;
    off += header + length;
  }
  memmove(c->buf, c->buf + off, c->len - off);
  c->len -= off;
}

static void parse_tcp(conn_t *c, double arrived) {
  size_t off = 0;
  while (c->len - off >= TCP_MESSAGE) {
    char stamp_text[21];
    memcpy(stamp_text, c->buf + off, 20);
    stamp_text[20] = 0;
    double stamp = strtod(stamp_text, NULL);
    record(stamp, arrived - stamp);
    off += TCP_MESSAGE;
  }
  memmove(c->buf, c->buf + off, c->len - off);
  c->len -= off;
}

static void on_readable(conn_t *c) {
  for (;;) {
    if (c->cap - c->len < 65536) {
      c->cap = c->cap * 2 + 65536;
      c->buf = realloc(c->buf, c->cap);
      if (!c->buf) fail("out of memory");
    }
    ssize_t n = read(c->fd, c->buf + c->len, c->cap - c->len);
    if (n > 0) {
      double arrived = now_ms();
      c->len += (size_t)n;
      if (ws_mode) parse_ws(c, arrived);
      else parse_tcp(c, arrived);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    // EOF or error: a subscriber closed by the node counts as closed early.
    if (c->state == LIVE) closed_early++;
    c->state = CLOSED;
    close(c->fd);
    c->fd = -1;
    return;
  }
}

static int open_socket(const char *host, int port) {
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) fail("bad host %s (an IPv4 address)", host);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) fail("socket: %s", strerror(errno));
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) fail("connect: %s", strerror(errno));
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

static void report(void) {
  // One buffered stdout stream: ~30 bytes per record.
  printf("records %zu closed %d\n", records, closed_early);
  for (size_t i = 0; i < records; i++) printf("%.3f %.3f\n", stamps[i], latencies[i]);
  fflush(stdout);
}

// Handles stdin commands; returns 0 when the program should exit.
static int on_command(void) {
  static char line[256];
  static size_t have;
  ssize_t n = read(0, line + have, sizeof line - 1 - have);
  if (n <= 0) return 0;
  have += (size_t)n;
  char *nl;
  while ((nl = memchr(line, '\n', have))) {
    *nl = 0;
    if (strcmp(line, "report") == 0) report();
    else if (strcmp(line, "stop") == 0) return 0;
    have -= (size_t)(nl + 1 - line);
    memmove(line, nl + 1, have);
  }
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 5) fail("usage: fanout-sink ws HOST PORT PATH COUNT TOPIC | tcp HOST PORT COUNT");
  ws_mode = strcmp(argv[1], "ws") == 0;
  if (ws_mode && argc < 7) fail("usage: fanout-sink ws HOST PORT PATH COUNT TOPIC");
  const char *host = argv[2];
  int port = atoi(argv[3]);
  count = atoi(ws_mode ? argv[5] : argv[4]);
  if (port <= 0 || count <= 0) fail("bad port or count");
  srand((unsigned)getpid());
  conns = calloc((size_t)count, sizeof *conns);
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint64_t)-1};
  epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev);

  char request[2048], subscribe[512];
  if (ws_mode) {
    snprintf(request, sizeof request,
             "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
             argv[4], host, port);
    snprintf(subscribe, sizeof subscribe, "{\"id\":1,\"method\":\"subscribe\",\"contentTopics\":[\"%s\"]}", argv[6]);
    if (strlen(subscribe) > 125) fail("topic too long for this client");
  }
  struct epoll_event events[512];
  // Connect in waves: thousands of simultaneous SYNs overflow the listen backlog.
  for (int opened = 0; opened < count;) {
    int wave_end = opened + WAVE < count ? opened + WAVE : count;
    for (; opened < wave_end; opened++) {
      conn_t *c = &conns[opened];
      c->fd = open_socket(host, port);
      c->state = ws_mode ? UPGRADING : LIVE;
      if (ws_mode) send_all(c->fd, request, strlen(request));
      else live++;
      struct epoll_event e = {.events = EPOLLIN, .data.u64 = (uint64_t)opened};
      epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &e);
    }
    // WebSocket: wait for the wave's upgrades, then subscribe it and wait for the acknowledgements.
    while (ws_mode && live < wave_end) {
      int n = epoll_wait(ep, events, 512, 10000);
      if (n == 0) fail("timed out subscribing (%d of %d)", live, count);
      for (int i = 0; i < n; i++) {
        if (events[i].data.u64 == (uint64_t)-1) {
          if (!on_command()) return 0;
          continue;
        }
        conn_t *c = &conns[events[i].data.u64];
        int before = c->state;
        on_readable(c);
        if (c->state == CLOSED) fail("connection closed while subscribing");
        if (before == UPGRADING && c->state == SUBSCRIBING)
          send_frame(c->fd, 0x1, (const unsigned char *)subscribe, strlen(subscribe));
      }
    }
    if (!ws_mode && opened % WAVE == 0) usleep(10000);
  }
  printf("ready\n");
  fflush(stdout);
  for (;;) {
    int n = epoll_wait(ep, events, 512, -1);
    if (n < 0 && errno == EINTR) continue;
    for (int i = 0; i < n; i++) {
      if (events[i].data.u64 == (uint64_t)-1) {
        if (!on_command()) return 0;
        continue;
      }
      conn_t *c = &conns[events[i].data.u64];
      if (c->fd >= 0) on_readable(c);
    }
  }
}
