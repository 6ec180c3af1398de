// The ceiling: hello world in plain C on the same Mongoose source mgnode embeds.
// Built by bench/run.mjs with gcc -O2 in a temporary folder. Listens on
// 127.0.0.1:$PORT (0 picks a free port; $BENCH_HOST instead of 127.0.0.1 when
// bench/serve.mjs serves another host) and prints PORT=<n> once listening.
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include "mongoose.h"

static volatile sig_atomic_t s_stop = 0;
static void on_signal(int sig) { (void) sig; s_stop = 1; }

static void handler(struct mg_connection *c, int ev, void *ev_data) {
  if (ev == MG_EV_HTTP_MSG) {
    // Like node:http, answer "Connection: close" with "Connection: close", so
    // that the client knows the connection ends (Mongoose then closes it).
    struct mg_http_message *hm = (struct mg_http_message *) ev_data;
    struct mg_str *conn = mg_http_get_header(hm, "Connection");
    bool close = conn != NULL && mg_strcasecmp(*conn, mg_str("close")) == 0;
    mg_http_reply(c, 200,
                  close ? "Content-Type: text/plain\r\nConnection: close\r\n"
                        : "Content-Type: text/plain\r\n",
                  "hello world\n");
  }
}

int main(void) {
  const char *port = getenv("PORT");
  const char *host = getenv("BENCH_HOST");
  char url[160];
  struct mg_mgr mgr;
  struct mg_connection *lc;
  snprintf(url, sizeof(url), "http://%s:%s", host && *host ? host : "127.0.0.1", port && *port ? port : "0");
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  mg_mgr_init(&mgr);
  lc = mg_http_listen(&mgr, url, handler, NULL);
  if (lc == NULL) {
    fprintf(stderr, "cannot listen on %s\n", url);
    return 1;
  }
  printf("PORT=%u\n", (unsigned) mg_ntohs(lc->loc.port));
  fflush(stdout);
  while (!s_stop) mg_mgr_poll(&mgr, 100);
  mg_mgr_free(&mgr);
  return 0;
}
