/*
 * floor.c - the C floor for `make bench`: the script-throughput benchmark's
 * commands (socket, bind to port 0, listen, close, repeated) done directly,
 * printing the same kind of call line and reading TCP_INFO for a state line
 * after each call, as sockrepl does. Usage: floor COMMANDS
 * Also: floor accept PORT N   -- listen on 127.0.0.1:PORT, accept N connections.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void state_line(int fd)
{
	struct tcp_info info;
	socklen_t len = sizeof(info);

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) == 0)
		printf("fd %d: TCP state %u, accept queue %u/%u\n", fd, info.tcpi_state,
		       info.tcpi_unacked, info.tcpi_sacked);
}

static int accept_many(int port, int n)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int one = 1, l = socket(AF_INET, SOCK_STREAM, 0);

	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 128))
		return 1;
	for (int i = 0; i < n; i++) {
		struct sockaddr_in peer;
		socklen_t len = sizeof(peer);
		int fd = accept(l, (struct sockaddr *)&peer, &len);

		printf("accept(%d, {sa_family=AF_INET, sin_port=htons(%u), ...}, [16]) = %d\n", l,
		       ntohs(peer.sin_port), fd);
		state_line(fd);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	long commands = argc > 1 ? atol(argv[1]) : 10000;
	int fd = -1;

	if (argc == 4 && strcmp(argv[1], "accept") == 0)
		return accept_many(atoi(argv[2]), atoi(argv[3]));
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	for (long i = 0; i < commands; i++) {
		switch (i % 4) {
		case 0:
			fd = socket(AF_INET, SOCK_STREAM, 0);
			printf("socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = %d\n", fd);
			break;
		case 1:
			printf("bind(%d, {sa_family=AF_INET, sin_port=htons(0), sin_addr=inet_addr(\"127.0.0.1\")}, 16) = %d\n",
			       fd, bind(fd, (struct sockaddr *)&a, sizeof(a)));
			break;
		case 2:
			printf("listen(%d, 1) = %d\n", fd, listen(fd, 1));
			break;
		case 3:
			printf("close(%d) = %d\n", fd, close(fd));
			continue;
		}
		state_line(fd);
	}
	return 0;
}
