/*
 * The physical-limit baseline of the latency benchmark (docs/benchmarks.md): the smallest LISTEN client there is,
 * written on libpq the way its documentation shows (select on the socket, PQconsumeInput, then PQnotifies until it
 * returns NULL). LibpqListener.java compiles it with gcc and runs it as a child process.
 *
 * Usage: libpq_listener CONNINFO CHANNEL   (the password, if any, comes from PGPASSWORD, never from argv)
 *
 * Protocol on stdout, one line each:
 *   "ready <nanos>"        once LISTEN has completed; <nanos> is CLOCK_MONOTONIC, which is what the JVM's
 *                          System.nanoTime() reads on Linux, so the harness can check that the two clocks agree
 *   "<nanos> <payload>"    per notification on CHANNEL, <nanos> taken when PQnotifies returned it ("handler entry")
 * Lines are written after the whole batch has been timed, so writing them is off the measured path.
 * The program exits when its stdin reaches end-of-file (the harness closing it) or the connection fails.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#define MAX_BATCH 4096

static long long now_nanos(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Writes a timed batch and forgets it; a full batch is written early rather than dropped. */
static void write_batch(PGnotify **batch, const long long *received, int count) {
    for (int i = 0; i < count; i++) {
        printf("%lld %s\n", received[i], batch[i]->extra);
        PQfreemem(batch[i]);
    }
    if (count > 0) {
        fflush(stdout);
    }
}

static int listen_to(PGconn *conn, const char *channel) {
    char *quoted = PQescapeIdentifier(conn, channel, strlen(channel));
    if (quoted == NULL) {
        fprintf(stderr, "libpq listener: cannot quote channel %s: %s", channel, PQerrorMessage(conn));
        return 0;
    }
    size_t length = strlen(quoted) + sizeof "LISTEN ";
    char *sql = malloc(length);
    snprintf(sql, length, "LISTEN %s", quoted);
    PQfreemem(quoted);
    PGresult *result = PQexec(conn, sql);
    free(sql);
    int ok = PQresultStatus(result) == PGRES_COMMAND_OK;
    if (!ok) {
        fprintf(stderr, "libpq listener: LISTEN %s failed: %s", channel, PQerrorMessage(conn));
    }
    PQclear(result);
    return ok;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "Usage: %s CONNINFO CHANNEL\n", argv[0]);
        return 2;
    }
    const char *channel = argv[2];
    PGconn *conn = PQconnectdb(argv[1]);
    if (PQstatus(conn) != CONNECTION_OK) {
        fprintf(stderr, "libpq listener: connection failed: %s", PQerrorMessage(conn));
        PQfinish(conn);
        return 1;
    }
    if (!listen_to(conn, channel)) {
        PQfinish(conn);
        return 1;
    }
    printf("ready %lld\n", now_nanos());
    fflush(stdout);

    static PGnotify *batch[MAX_BATCH];
    static long long received[MAX_BATCH];
    int sock = PQsocket(conn);
    for (;;) {
        fd_set readable;
        FD_ZERO(&readable);
        FD_SET(sock, &readable);
        FD_SET(STDIN_FILENO, &readable);
        int highest = sock > STDIN_FILENO ? sock : STDIN_FILENO;
        if (select(highest + 1, &readable, NULL, NULL, NULL) < 0) {
            if (errno == EINTR) {
                continue;
            }
            perror("libpq listener: select");
            break;
        }
        if (FD_ISSET(STDIN_FILENO, &readable)) {
            char ignored[64];
            if (read(STDIN_FILENO, ignored, sizeof ignored) <= 0) {
                break; /* the harness closed our stdin: stop */
            }
        }
        if (!FD_ISSET(sock, &readable)) {
            continue;
        }
        if (!PQconsumeInput(conn)) {
            fprintf(stderr, "libpq listener: connection lost: %s", PQerrorMessage(conn));
            break;
        }
        int count = 0;
        PGnotify *notify;
        while ((notify = PQnotifies(conn)) != NULL) {
            long long at = now_nanos();
            if (strcmp(notify->relname, channel) != 0) {
                PQfreemem(notify);
                continue;
            }
            batch[count] = notify;
            received[count] = at;
            if (++count == MAX_BATCH) {
                write_batch(batch, received, count);
                count = 0;
            }
        }
        write_batch(batch, received, count);
    }
    PQfinish(conn);
    return 0;
}
