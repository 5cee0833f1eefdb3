/*
 * wire_print.c - a captured IPv4/IPv6 TCP or UDP packet in tcpdump's words.
 *
 * The line is what `tcpdump -n -i lo` (4.99) prints after its timestamp,
 * character for character: tcpdump's print-ip.c, print-ip6.c, print-tcp.c
 * and print-udp.c, followed for the packets a session's sockets send. Like
 * tcpdump, sequence numbers are relative: the first segment of a connection
 * that carries an ACK (the SYN-ACK, or the first one seen) records both
 * directions' numbers and is printed absolute; the later ones print the
 * difference. A lone SYN (no ACK) is always absolute. Payloads are not
 * decoded: tcpdump decodes some for well-known ports (80, 53, 22, ...),
 * which a session's loopback ports are not, unless chosen so. Of ICMP, the
 * port-unreachable error a datagram to a closed port gets back is shown (as
 * the session's when the datagram it quotes is): it is why the next call on
 * a connected UDP socket fails with ECONNREFUSED.
 */
#include <arpa/inet.h>
#include <net/ethernet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

#include "sockrepl.h"

/* tcpdump's tcp_flag_values: the letters, in its order; ACK is "." */
static const struct { unsigned bit; const char *letter; } tcp_flags[] = {
	{ 0x01, "F" }, { 0x02, "S" }, { 0x04, "R" }, { 0x08, "P" },
	{ 0x10, "." }, { 0x20, "U" }, { 0x40, "E" }, { 0x80, "W" },
};

/* A TCP flags byte as tcpdump writes it between the brackets: "S.", "none". */
void wire_flag_letters(unsigned flags, char out[16])
{
	*out = '\0';
	for (size_t i = 0; i < sizeof(tcp_flags) / sizeof(tcp_flags[0]); i++)
		if (flags & tcp_flags[i].bit)
			strcat(out, tcp_flags[i].letter);
	if (*out == '\0')
		strcpy(out, "none");
}

/* tcpdump's tcp_option_values (a name, then how its data prints). */
enum opt_data { OPT_NONE, OPT_U16, OPT_U8, OPT_U32, OPT_TS, OPT_SACK, OPT_HEX, OPT_TFO };
static const struct { unsigned kind; const char *name; enum opt_data data; } tcp_options[] = {
	{ 0, "eol", OPT_NONE }, { 1, "nop", OPT_NONE }, { 2, "mss", OPT_U16 },
	{ 3, "wscale", OPT_U8 }, { 4, "sackOK", OPT_NONE }, { 5, "sack", OPT_SACK },
	{ 6, "echo", OPT_U32 }, { 7, "echoreply", OPT_U32 }, { 8, "TS", OPT_TS },
	{ 11, "cc", OPT_U32 }, { 12, "ccnew", OPT_U32 }, { 13, "", OPT_U32 },
	{ 19, "md5", OPT_HEX }, { 29, "tcp-ao", OPT_HEX }, { 30, "mptcp", OPT_HEX },
	{ 34, "tfo", OPT_TFO },
};

/*
 * tcpdump's table of conversations (tcp_seq_hash4/6): one entry per
 * 4-tuple, ordered so both directions share it, holding the numbers the
 * relative ones are counted from. Bounded: the oldest entry makes room.
 */
struct conversation {
	int family;
	unsigned char src[16], dst[16];
	uint32_t ports;		/* sport << 16 | dport, in the entry's order */
	uint32_t seq, ack;
};
#define CONVERSATIONS 512
static struct conversation conversations[CONVERSATIONS];
static size_t nconversations, next_slot;

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static unsigned be16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/*
 * An ICMP or ICMPv6 port unreachable: the ports are those of the datagram
 * (or segment) it quotes, so it counts as the session's when that did.
 */
static bool parse_unreachable(const unsigned char *icmp, size_t caplen, struct wire_seg *seg)
{
	const unsigned char *quoted = icmp + 8;
	size_t qhlen;

	if (caplen < 8 + 20 + 4 ||
	    (seg->family == AF_INET ? icmp[0] != 3 || icmp[1] != 3 : icmp[0] != 1 || icmp[1] != 4))
		return false;
	qhlen = seg->family == AF_INET ? (size_t)(quoted[0] & 0x0f) * 4 : 40;
	seg->proto = seg->family == AF_INET ? quoted[9] : quoted[6];
	if (qhlen < 20 || caplen < 8 + qhlen + 4 ||
	    (seg->proto != IPPROTO_TCP && seg->proto != IPPROTO_UDP))
		return false;
	memcpy(seg->quoted_dst, quoted + (seg->family == AF_INET ? 16 : 24),
	       seg->family == AF_INET ? 4 : 16);
	seg->sport = be16(quoted + qhlen);
	seg->dport = be16(quoted + qhlen + 2);
	seg->unreachable = true;
	return true;
}

/*
 * The IP and transport headers of a packet as an AF_PACKET SOCK_DGRAM socket
 * gives it (from the IP header on); false if it is not a whole, unfragmented
 * IPv4/IPv6 TCP or UDP header.
 */
bool wire_parse(const unsigned char *pkt, size_t caplen, unsigned ethertype,
		struct wire_seg *seg)
{
	size_t hlen, need;

	memset(seg, 0, sizeof(*seg));
	if (ethertype == ETHERTYPE_IP && caplen >= 20 && pkt[0] >> 4 == 4) {
		hlen = (size_t)(pkt[0] & 0x0f) * 4;
		if (hlen < 20 || hlen > caplen || be16(pkt + 6) & 0x3fff)	/* a fragment */
			return false;
		seg->family = AF_INET;
		seg->proto = pkt[9];
		memcpy(seg->src, pkt + 12, 4);
		memcpy(seg->dst, pkt + 16, 4);
		seg->length = be16(pkt + 2) > hlen ? be16(pkt + 2) - (unsigned)hlen : 0;
	} else if (ethertype == ETHERTYPE_IPV6 && caplen >= 40 && pkt[0] >> 4 == 6) {
		hlen = 40;
		seg->family = AF_INET6;
		seg->proto = pkt[6];	/* loopback sockets send no extension headers */
		memcpy(seg->src, pkt + 8, 16);
		memcpy(seg->dst, pkt + 24, 16);
		seg->length = be16(pkt + 4);
	} else {
		return false;
	}
	if (seg->proto == (seg->family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6))
		return parse_unreachable(pkt + hlen, caplen - hlen, seg);
	need = seg->proto == IPPROTO_TCP ? 20 : 8;
	if ((seg->proto != IPPROTO_TCP && seg->proto != IPPROTO_UDP) || caplen < hlen + need)
		return false;
	seg->l4 = pkt + hlen;
	seg->l4_caplen = caplen - hlen;
	seg->sport = be16(seg->l4);
	seg->dport = be16(seg->l4 + 2);
	if (seg->proto == IPPROTO_TCP) {
		seg->hlen = (unsigned)(seg->l4[12] >> 4) * 4;
		seg->flags = seg->l4[13];
		seg->payload = seg->length > seg->hlen ? seg->length - seg->hlen : 0;
	} else {
		seg->payload = be16(seg->l4 + 4) >= 8 ? be16(seg->l4 + 4) - 8u : 0;
	}
	return true;
}

/* "127.0.0.1.54321 > 127.0.0.1.6789: " */
static void put_endpoints(struct strbuf *sb, const struct wire_seg *seg)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];

	inet_ntop(seg->family, seg->src, src, sizeof(src));
	inet_ntop(seg->family, seg->dst, dst, sizeof(dst));
	sb_printf(sb, "%s %s.%u > %s.%u: ", seg->family == AF_INET ? "IP" : "IP6",
		  src, seg->sport, dst, seg->dport);
}

/*
 * tcp_print's lookup: the conversation of this segment, made afresh for a
 * new one or a SYN; *rev: the segment goes the other way round than the
 * entry's order. Returns whether the numbers are to be printed relative.
 */
static bool track(const struct wire_seg *seg, uint32_t *seq, uint32_t *ack, bool *rev,
		  uint32_t *thseq, uint32_t *thack)
{
	size_t alen = seg->family == AF_INET ? 4 : 16;
	struct conversation key = { .family = seg->family }, *c = NULL;

	*rev = seg->sport > seg->dport ||
	       (seg->sport == seg->dport && memcmp(seg->src, seg->dst, alen) > 0);
	memcpy(key.src, *rev ? seg->dst : seg->src, alen);
	memcpy(key.dst, *rev ? seg->src : seg->dst, alen);
	key.ports = *rev ? (uint32_t)seg->dport << 16 | seg->sport
			 : (uint32_t)seg->sport << 16 | seg->dport;
	for (size_t i = 0; i < nconversations && c == NULL; i++)
		if (conversations[i].family == key.family && conversations[i].ports == key.ports &&
		    memcmp(conversations[i].src, key.src, 16) == 0 &&
		    memcmp(conversations[i].dst, key.dst, 16) == 0)
			c = &conversations[i];
	if (c == NULL || (seg->flags & 0x02)) {
		if (c == NULL) {
			c = &conversations[next_slot];
			next_slot = (next_slot + 1) % CONVERSATIONS;
			if (nconversations < CONVERSATIONS)
				nconversations++;
		}
		*c = key;
		if (*rev)
			c->ack = *seq, c->seq = *ack - 1;
		else
			c->seq = *seq, c->ack = *ack - 1;
		*thseq = c->seq, *thack = c->ack;
		return false;
	}
	if (*rev)
		*seq -= c->ack, *ack -= c->seq;
	else
		*seq -= c->seq, *ack -= c->ack;
	*thseq = c->seq, *thack = c->ack;
	return true;
}

/* One option's data, as tcp_print prints it; false: malformed (tcpdump: "bad opt"). */
static bool put_option_data(struct strbuf *sb, enum opt_data data, const unsigned char *cp,
			    unsigned datalen, uint32_t base)
{
	static const unsigned sizes[] = { [OPT_U16] = 2, [OPT_U8] = 1, [OPT_U32] = 4, [OPT_TS] = 8 };

	if ((size_t)data < sizeof(sizes) / sizeof(sizes[0]) && datalen < sizes[data])
		return false;	/* too short for its fixed size (the kinds past OPT_TS have none) */
	switch (data) {
	case OPT_U16: sb_printf(sb, " %u", be16(cp)); break;
	case OPT_U8: sb_printf(sb, " %u", cp[0]); break;
	case OPT_U32: sb_printf(sb, " %u", be32(cp)); break;
	case OPT_TS: sb_printf(sb, " val %u ecr %u", be32(cp), be32(cp + 4)); break;
	case OPT_SACK:
		if (datalen % 8 != 0) {
			sb_printf(sb, " invalid sack");
			break;
		}
		sb_printf(sb, " %u ", datalen / 8);
		for (unsigned i = 0; i < datalen; i += 8)
			sb_printf(sb, "{%u:%u}", be32(cp + i) - base, be32(cp + i + 4) - base);
		break;
	case OPT_HEX:
		if (datalen)
			sb_printf(sb, " 0x");
		for (unsigned i = 0; i < datalen; i++)
			sb_printf(sb, "%02x", cp[i]);
		break;
	case OPT_TFO: {	/* print_tcp_fastopen_option, after its own space: "tfo  cookiereq" */
		bool cookie = datalen >= 4 && datalen <= 16 && datalen % 2 == 0;

		sb_printf(sb, "%s", datalen == 0 ? "  cookiereq" : cookie ? "  cookie " : "  (invalid)");
		for (unsigned i = 0; cookie && i < datalen; i++)
			sb_printf(sb, "%02x", cp[i]);
		break;
	}
	case OPT_NONE:
		break;
	}
	return true;
}

/* ", options [mss 65495,sackOK,TS val 1 ecr 0,nop,wscale 7]" */
static void put_options(struct strbuf *sb, const struct wire_seg *seg, uint32_t base)
{
	const unsigned char *cp = seg->l4 + 20;
	unsigned left = seg->hlen - 20;

	sb_printf(sb, ", options [");
	for (bool first = true; left > 0; first = false) {
		unsigned kind = cp[0], len = kind <= 1 ? 1 : cp[1];
		size_t t = 0;

		if (!first)
			sb_printf(sb, ",");
		if (len < 1 || len > left || (kind > 1 && len < 2)) {
			sb_printf(sb, "%s", "[bad opt]");
			return;
		}
		while (t < sizeof(tcp_options) / sizeof(tcp_options[0]) && tcp_options[t].kind != kind)
			t++;
		if (t == sizeof(tcp_options) / sizeof(tcp_options[0])) {
			sb_printf(sb, "unknown-%u", kind);
			put_option_data(sb, OPT_HEX, cp + 2, len - 2, 0);
		} else {
			sb_printf(sb, "%s", tcp_options[t].name);
			if (!put_option_data(sb, tcp_options[t].data, cp + (kind <= 1 ? 1 : 2),
					     kind <= 1 ? 0 : len - 2, base)) {
				sb_printf(sb, "[bad opt]");
				return;
			}
		}
		cp += len, left -= len;
		if (kind == 0)
			break;
	}
	sb_printf(sb, "]");
}

/* tcp_print without -v: flags, seq, ack, win, urg, options, length. */
static void put_tcp(struct strbuf *sb, const struct wire_seg *seg, bool brief)
{
	uint32_t seq = be32(seg->l4 + 4), ack = be32(seg->l4 + 8), thseq = 0, thack = 0;
	bool rev = false;
	char letters[16];

	wire_flag_letters(seg->flags, letters);
	sb_printf(sb, "Flags [%s]", letters);
	if (seg->flags & 0x10)
		track(seg, &seq, &ack, &rev, &thseq, &thack);
	if (seg->hlen < 20 || seg->hlen > seg->length || seg->hlen > seg->l4_caplen) {
		sb_printf(sb, " [bad hdr length %u]", seg->hlen);
		return;
	}
	if (seg->payload > 0 || (seg->flags & 0x07))
		sb_printf(sb, seg->payload > 0 ? ", seq %u:%u" : ", seq %u", seq, seq + seg->payload);
	if (seg->flags & 0x10)
		sb_printf(sb, ", ack %u", ack);
	sb_printf(sb, ", win %u", be16(seg->l4 + 14));
	if (seg->flags & 0x20)
		sb_printf(sb, ", urg %u", be16(seg->l4 + 18));
	if (seg->hlen > 20 && !brief)
		put_options(sb, seg, rev ? thseq : thack);
	sb_printf(sb, ", length %u", seg->payload);
}

/*
 * The line tcpdump prints for seg, without its timestamp; brief: without
 * the TCP options. Every segment passes here in order, printed or not, so
 * that the relative numbers count as tcpdump's do.
 */
void wire_format(const struct wire_seg *seg, bool brief, struct strbuf *sb)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], quoted[INET6_ADDRSTRLEN];
	const char *proto = seg->proto == IPPROTO_TCP ? "tcp" : "udp";

	sb_init(sb);
	if (seg->unreachable) {	/* print-icmp.c, print-icmp6.c */
		inet_ntop(seg->family, seg->src, src, sizeof(src));
		inet_ntop(seg->family, seg->dst, dst, sizeof(dst));
		inet_ntop(seg->family, seg->quoted_dst, quoted, sizeof(quoted));
		if (seg->family == AF_INET)
			sb_printf(sb, "IP %s > %s: ICMP %s %s port %u unreachable, length %u",
				  src, dst, quoted, proto, seg->dport, seg->length);
		else
			sb_printf(sb, "IP6 %s > %s: ICMP6, destination unreachable, unreachable "
				  "port, %s %s port %u, length %u", src, dst, quoted, proto,
				  seg->dport, seg->length);
		return;
	}
	put_endpoints(sb, seg);
	if (seg->proto == IPPROTO_TCP) {
		put_tcp(sb, seg, brief);
		return;
	}
	if (be16(seg->l4 + 4) < 8)
		sb_printf(sb, "truncated-udplength %u", be16(seg->l4 + 4));
	else if (seg->payload > seg->length - 8)
		sb_printf(sb, "UDP, bad length %u > %u", seg->payload, seg->length - 8);
	else
		sb_printf(sb, "UDP, length %u", seg->payload);
}
