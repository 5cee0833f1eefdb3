/*
 * recvnotes.c - what a recv returned, in words: end of file or not, a cut
 * datagram, and the whole data when strace's 32 bytes cut it.
 */
#include <netinet/in.h>
#include <linux/sockios.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "sockrepl.h"

#define STRACE_STRING_MAX 32	/* strace's default -s */
#define SHOW_DATA_MAX 1024	/* what a recv note prints at most */

bool has_data_waiting(int fd)
{
	return observe_events(fd, POLLIN) & POLLIN;
}

/* TCP states in which the peer's FIN has arrived. */
static bool peer_sent_fin(int tcp_state)
{
	return tcp_state == TCP_CLOSE_WAIT || tcp_state == TCP_LAST_ACK ||
	       tcp_state == TCP_CLOSING || tcp_state == TCP_TIME_WAIT;
}

/*
 * A stream recv that returned 0, in words: end of file only if the peer
 * closed. A 0-byte buffer reads nothing (TCP waits for data, takes none,
 * and returns 0); after this side's
 * shutdown rd, Linux TCP told the peer nothing, and recv returns 0 only
 * while nothing has arrived.
 */
static void note_zero(int fd, long size)
{
	struct kstate k;

	kstate_read(fd, &k);
	if (size == 0)
		report_note("0 bytes because the buffer holds 0: nothing was read, and this is not "
			    "end of file (%u byte%s unread).", k.unread, k.unread == 1 ? "" : "s");
	else if (k.api == API_DISCONNECTED)
		report_note("0 bytes: the connection is over (the state line says why); every "
			    "further recv returns 0 at once.");
	else if (k.has_tcp && !peer_sent_fin(k.tcp_state) && k.shutdown > 0 && (k.shutdown & 1))
		report_note("0 bytes: this side shut down receiving (shutdown rd), and nothing is "
			    "queued. That is not the peer closing: Linux TCP sent it nothing, data it "
			    "sends still arrives, and recv returns it.");
	else if (k.has_tcp)
		report_note("0 bytes: end of file. The peer closed (or shut down) its sending side; "
			    "every further recv returns 0 at once.");
	else
		report_note("0 bytes: end of file. The peer closed (or shut down) its sending side, "
			    "or this side shut down receiving; every further recv returns 0 at once.");
}

/*
 * The next datagram's size, asked before a recv that will not wait (SIOCINQ
 * gives it for UDP and Unix datagram sockets, and consumes nothing); -1
 * when none is waiting or fd is no datagram socket.
 */
long next_datagram(int fd)
{
	int bytes;

	if (socket_type(fd) != SOCK_DGRAM || !has_data_waiting(fd) ||
	    ioctl(fd, SIOCINQ, &bytes) == -1)
		return -1;
	return bytes;
}

/* A datagram longer than the buffer is cut: the rest is gone. */
static void note_truncated(long datagram, long size, long n)
{
	if (datagram > n)
		report_note("note: the datagram was %ld bytes; the %ld-byte buffer took %ld and the "
			    "other %ld are gone: a datagram is read whole or cut, never in parts, and "
			    "the call returns only what it took.", datagram, size, n, datagram - n);
	else if (datagram == -1 && n == size)
		report_note("note: the datagram filled the %ld-byte buffer: if it was longer, the "
			    "rest is gone (recvfrom returns only what it took).", size);
}

/*
 * After a recv: 0 and cut datagrams in words, and the whole data if strace's
 * 32 bytes cut it (long runs of one byte as TEXT writes them: "x"*3096).
 */
void note_received(int fd, const char *data, long size, long n, long datagram)
{
	struct strbuf sb;

	if (socket_type(fd) == SOCK_DGRAM)
		note_truncated(datagram, size, n);
	else if (n == 0)
		note_zero(fd, size);
	if (n > STRACE_STRING_MAX) {
		sb_init(&sb);
		if (!sb_runs(&sb, data, (size_t)n))
			sb_quoted(&sb, data, (size_t)n, SHOW_DATA_MAX);
		report_note("all %ld bytes: %s", n, sb.text);
	}
}

/*
 * After a peek at a byte stream: where the first line ends, so that a line
 * protocol can take exactly one line with the next recv and leave the rest.
 * Silent when no \n came: the bytes may be no text at all.
 */
void note_peeked_line(int fd, const char *data, long n)
{
	const char *nl;

	if (n <= 0 || socket_type(fd) != SOCK_STREAM)
		return;
	nl = memchr(data, '\n', (size_t)n);
	if (nl != NULL)
		report_note("the first line ends at byte %ld (its \\n): recv %d %ld takes exactly "
			    "that line and leaves the rest queued.", (long)(nl - data) + 1, fd,
			    (long)(nl - data) + 1);
}
