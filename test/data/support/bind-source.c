/*
 * LD_PRELOAD shim for real-server tests: every outgoing IPv4 connect() of the process (and its
 * children) is bound first to $DAARION_BIND_ADDR, so a server started "on node2" reaches node1 from
 * 127.0.1.12 like a separate host would. Without it Linux picks 127.0.0.1 as the source of every
 * loopback connection and pg_hba rules per node IP could not be exercised.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int connect(int fd, const struct sockaddr *addr, socklen_t len) {
    static int (*real_connect)(int, const struct sockaddr *, socklen_t);
    if (!real_connect) real_connect = (int (*)(int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "connect");
    const char *source = getenv("DAARION_BIND_ADDR");
    if (source && addr && addr->sa_family == AF_INET) {
        struct sockaddr_in current;
        socklen_t current_len = sizeof current;
        if (getsockname(fd, (struct sockaddr *)&current, &current_len) == 0 && current.sin_family == AF_INET &&
            current.sin_port == 0 && current.sin_addr.s_addr == htonl(INADDR_ANY)) {
            struct sockaddr_in bind_addr;
            memset(&bind_addr, 0, sizeof bind_addr);
            bind_addr.sin_family = AF_INET;
            if (inet_pton(AF_INET, source, &bind_addr.sin_addr) == 1) bind(fd, (struct sockaddr *)&bind_addr, sizeof bind_addr);
        }
    }
    return real_connect(fd, addr, len);
}
