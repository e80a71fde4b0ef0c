/* <sys/socket.h>, <netdb.h>, <arpa/inet.h>, <net/if.h>, <ifaddrs.h>: TCP and UDP on 127.0.0.1
 * (and ::1 where the kernel has IPv6), AF_UNIX socket pairs passing a descriptor, socket options,
 * name lookups answered from /etc/hosts and /etc/services, interface lists (netlink). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "check.h"

static void tcp_loopback(void) {
    int server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK(server >= 0);
    int one = 1;
    CHECK(setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
    CHECK(inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr) == 1);
    CHECK(bind(server, (struct sockaddr *)&addr, sizeof addr) == 0);
    CHECK(listen(server, 4) == 0);
    socklen_t len = sizeof addr;
    CHECK(getsockname(server, (struct sockaddr *)&addr, &len) == 0 && ntohs(addr.sin_port) != 0);

    int client = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    CHECK(client >= 0);
    CHECK(setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0);
    CHECK(connect(client, (struct sockaddr *)&addr, sizeof addr) == 0);
    struct sockaddr_in peer;
    len = sizeof peer;
    int conn = accept(server, (struct sockaddr *)&peer, &len);
    CHECK(conn >= 0);
    CHECK(getpeername(client, (struct sockaddr *)&peer, &len) == 0 && peer.sin_port == addr.sin_port);
    CHECK(send(client, "ping", 4, 0) == 4);
    char buf[64];
    CHECK(recv(conn, buf, sizeof buf, 0) == 4 && memcmp(buf, "ping", 4) == 0);
    CHECK(write(conn, "pong", 4) == 4 && read(client, buf, 4) == 4);
    int value = 0;
    len = sizeof value;
    CHECK(getsockopt(client, SOL_SOCKET, SO_TYPE, &value, &len) == 0 && value == SOCK_STREAM);
    CHECK(getsockopt(client, SOL_SOCKET, SO_ERROR, &value, &len) == 0 && value == 0);
    struct timeval tv = {1, 0};
    CHECK(setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0);
    CHECK(sockatmark(conn) == 0);
    CHECK(shutdown(client, SHUT_WR) == 0 && recv(conn, buf, sizeof buf, 0) == 0);
    CHECK(close(conn) == 0 && close(client) == 0);

    client = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    CHECK(client >= 0);
    CHECK(connect(client, (struct sockaddr *)&addr, sizeof addr) == 0 || errno == EINPROGRESS);
    do conn = accept4(server, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    while (conn < 0 && errno == EAGAIN);
    CHECK(conn >= 0 && close(conn) == 0 && close(client) == 0 && close(server) == 0);
}

static void udp_loopback(void) {
    int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
    CHECK(a >= 0 && b >= 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    CHECK(bind(a, (struct sockaddr *)&addr, sizeof addr) == 0);
    socklen_t len = sizeof addr;
    CHECK(getsockname(a, (struct sockaddr *)&addr, &len) == 0);
    CHECK(sendto(b, "datagram", 8, 0, (struct sockaddr *)&addr, sizeof addr) == 8);
    char buf[64];
    struct sockaddr_in from;
    len = sizeof from;
    CHECK(recvfrom(a, buf, sizeof buf, 0, (struct sockaddr *)&from, &len) == 8);
    CHECK(connect(b, (struct sockaddr *)&addr, sizeof addr) == 0);
    struct mmsghdr msgs[2];
    struct iovec iov[2] = {{"one", 3}, {"two", 3}};
    memset(msgs, 0, sizeof msgs);
    msgs[0].msg_hdr.msg_iov = &iov[0], msgs[0].msg_hdr.msg_iovlen = 1;
    msgs[1].msg_hdr.msg_iov = &iov[1], msgs[1].msg_hdr.msg_iovlen = 1;
    CHECK(sendmmsg(b, msgs, 2, 0) == 2);
    char r1[8], r2[8];
    struct iovec riov[2] = {{r1, sizeof r1}, {r2, sizeof r2}};
    memset(msgs, 0, sizeof msgs);
    msgs[0].msg_hdr.msg_iov = &riov[0], msgs[0].msg_hdr.msg_iovlen = 1;
    msgs[1].msg_hdr.msg_iov = &riov[1], msgs[1].msg_hdr.msg_iovlen = 1;
    CHECK(recvmmsg(a, msgs, 2, MSG_WAITFORONE, NULL) >= 1);
    CHECK(close(a) == 0 && close(b) == 0);
}

static void ipv6_loopback(void) {
    int s = socket(AF_INET6, SOCK_DGRAM, 0);
    if (s < 0) {
        CHECK(errno == EAFNOSUPPORT);
        return;
    }
    struct sockaddr_in6 addr = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    if (bind(s, (struct sockaddr *)&addr, sizeof addr) == 0) {
        socklen_t len = sizeof addr;
        CHECK(getsockname(s, (struct sockaddr *)&addr, &len) == 0);
        CHECK(sendto(s, "6", 1, 0, (struct sockaddr *)&addr, sizeof addr) == 1);
        char c;
        CHECK(recv(s, &c, 1, 0) == 1 && c == '6');
    } else {
        CHECK(errno == EADDRNOTAVAIL);
    }
    CHECK(close(s) == 0);
}

static void unix_pair(const char *dir) {
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    int passed = open(dir, O_RDONLY | O_DIRECTORY);
    CHECK(passed >= 0);
    char cbuf[CMSG_SPACE(sizeof(int))] = {0};
    struct iovec iov = {"fd", 2};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET, cmsg->cmsg_type = SCM_RIGHTS, cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cmsg), &passed, sizeof(int));
    CHECK(sendmsg(sv[0], &msg, 0) == 2);
    char data[2], rbuf[CMSG_SPACE(sizeof(int))];
    struct iovec riov = {data, 2};
    struct msghdr rmsg = {.msg_iov = &riov, .msg_iovlen = 1, .msg_control = rbuf, .msg_controllen = sizeof rbuf};
    CHECK(recvmsg(sv[1], &rmsg, MSG_CMSG_CLOEXEC) == 2);
    cmsg = CMSG_FIRSTHDR(&rmsg);
    CHECK(cmsg != NULL && cmsg->cmsg_type == SCM_RIGHTS);
    int got;
    memcpy(&got, CMSG_DATA(cmsg), sizeof got);
    CHECK(got >= 0 && fcntl(got, F_GETFD) == FD_CLOEXEC && close(got) == 0 && close(passed) == 0);
    CHECK(close(sv[0]) == 0 && close(sv[1]) == 0);
    CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
    CHECK(send(sv[1], "seq", 3, MSG_NOSIGNAL) == 3 && recv(sv[0], data, 2, 0) == 2);
    CHECK(close(sv[0]) == 0 && close(sv[1]) == 0);
    CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0 && close(sv[0]) == 0 && close(sv[1]) == 0);

    /* a named AF_UNIX socket in the scratch directory */
    struct sockaddr_un un = {.sun_family = AF_UNIX};
    snprintf(un.sun_path, sizeof un.sun_path, "%s/sock", dir);
    int server = socket(AF_UNIX, SOCK_STREAM, 0), client = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(server >= 0 && client >= 0);
    CHECK(bind(server, (struct sockaddr *)&un, sizeof un) == 0 && listen(server, 1) == 0);
    CHECK(connect(client, (struct sockaddr *)&un, sizeof un) == 0);
    int conn = accept(server, NULL, NULL);
    CHECK(conn >= 0);
    struct ucred cred;
    socklen_t len = sizeof cred;
    CHECK(getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && cred.pid == getpid());
    CHECK(close(conn) == 0 && close(client) == 0 && close(server) == 0 && unlink(un.sun_path) == 0);
}

static void lookups(void) {
    int services = access("/etc/services", R_OK) == 0; /* netbase's; not in every image */
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res;
    CHECK(getaddrinfo("localhost", services ? "http" : "80", &hints, &res) == 0);
    CHECK(res->ai_family == AF_INET && ntohs(((struct sockaddr_in *)res->ai_addr)->sin_port) == 80);
    char host[NI_MAXHOST], serv[NI_MAXSERV];
    CHECK(getnameinfo(res->ai_addr, res->ai_addrlen, host, sizeof host, serv, sizeof serv,
                      NI_NUMERICHOST | NI_NUMERICSERV) == 0 && strcmp(host, "127.0.0.1") == 0);
    CHECK(getnameinfo(res->ai_addr, res->ai_addrlen, host, sizeof host, serv, sizeof serv, NI_NAMEREQD) == 0);
    freeaddrinfo(res);
    hints.ai_flags = AI_ADDRCONFIG; /* musl probes by connecting UDP sockets to the loopback addresses */
    hints.ai_family = AF_UNSPEC;
    CHECK(getaddrinfo("localhost", NULL, &hints, &res) == 0);
    freeaddrinfo(res);
    hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
    hints.ai_family = AF_UNSPEC;
    CHECK(getaddrinfo("127.0.0.1", "8080", &hints, &res) == 0);
    freeaddrinfo(res);
    CHECK(gai_strerror(EAI_NONAME) != NULL);
    struct servent *se = getservbyname("ssh", "tcp");
    CHECK(!services || (se != NULL && ntohs(se->s_port) == 22));
    se = getservbyport(htons(80), "tcp");
    CHECK(!services || se != NULL);
    struct hostent *he = gethostbyname("localhost");
    CHECK(he != NULL && he->h_addrtype == AF_INET);
    struct hostent hbuf;
    char hdata[1024];
    int herr;
    CHECK(gethostbyname2_r("localhost", AF_INET, &hbuf, hdata, sizeof hdata, &he, &herr) == 0 && he != NULL);
    struct in_addr loopback = {htonl(INADDR_LOOPBACK)};
    he = gethostbyaddr(&loopback, sizeof loopback, AF_INET);
    CHECK(he != NULL);
    struct in_addr lo = {htonl(INADDR_LOOPBACK)};
    char text[INET6_ADDRSTRLEN];
    CHECK(inet_ntop(AF_INET, &lo, text, sizeof text) != NULL && strcmp(text, "127.0.0.1") == 0);
    CHECK(inet_addr("127.0.0.1") == lo.s_addr && strcmp(inet_ntoa(lo), "127.0.0.1") == 0);

    /* interfaces */
    unsigned index = if_nametoindex("lo");
    CHECK(index > 0);
    char name[IF_NAMESIZE];
    CHECK(if_indextoname(index, name) != NULL && strcmp(name, "lo") == 0);
    struct if_nameindex *ifs = if_nameindex();
    CHECK(ifs != NULL && ifs[0].if_index > 0);
    if_freenameindex(ifs);
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(s >= 0);
    struct ifreq ifr = {0};
    strcpy(ifr.ifr_name, "lo");
    CHECK(ioctl(s, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_LOOPBACK));
    CHECK(ioctl(s, SIOCGIFINDEX, &ifr) == 0 && ifr.ifr_ifindex == (int)index);
    struct ifreq reqs[16];
    struct ifconf ifc = {.ifc_len = sizeof reqs, .ifc_req = reqs};
    CHECK(ioctl(s, SIOCGIFCONF, &ifc) == 0 && ifc.ifc_len > 0 && close(s) == 0);
    struct ifaddrs *addrs;
    CHECK(getifaddrs(&addrs) == 0 && addrs != NULL);
    freeifaddrs(addrs);
}

int main(int argc, char **argv) {
    CHECK(argc == 2);
    tcp_loopback();
    udp_loopback();
    ipv6_loopback();
    unix_pair(argv[1]);
    lookups();
    printf("socket ok\n");
    return 0;
}
