/*
 * client.c - the accept benchmark's peer: connects N times to
 * 127.0.0.1:PORT (retrying until the listener is up), then waits until the
 * server closes the connections. Usage: client PORT N
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int n = argc > 2 ? atoi(argv[2]) : 100, *fds = calloc((size_t)n, sizeof(int));
	struct timespec nap = { 0, 1000000 };
	char byte;

	if (argc < 3 || fds == NULL)
		return 2;
	a.sin_port = htons((uint16_t)atoi(argv[1]));
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	for (int i = 0; i < n; i++) {
		for (int tries = 0; tries < 5000; tries++) {
			fds[i] = socket(AF_INET, SOCK_STREAM, 0);
			if (connect(fds[i], (struct sockaddr *)&a, sizeof(a)) == 0)
				break;
			close(fds[i]);
			fds[i] = -1;
			nanosleep(&nap, NULL);
		}
	}
	for (int i = 0; i < n; i++)	/* until the server closes: EOF */
		if (fds[i] != -1 && read(fds[i], &byte, 1) >= 0)
			close(fds[i]);
	return 0;
}
