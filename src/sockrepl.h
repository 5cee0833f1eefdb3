/*
 * sockrepl.h - the one project header, grouped by the file that defines each part.
 *
 * sockrepl is a teaching REPL for the BSD sockets API: every command makes one
 * system call and shows it as strace would, explains a failure, and prints the
 * socket's state as the kernel reports it.
 */
#ifndef SOCKREPL_H
#define SOCKREPL_H

#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/types.h>

#define SOCKREPL_VERSION "0.1.0"

/* ---- session.c: the state every command receives ---------------------- */

/* What watch.c last saw of a socket: an event is a change from this. */
struct snapshot {
	int api, tcp_state;	/* enum api_state; TCP_* or -1 */
	unsigned queue, unread;	/* accept queue; unread bytes */
	bool eof, error, readable;
	unsigned long long unanswered;	/* TCP: bytes the peer sent, none sent back; else 0 */
	bool dgram;		/* an unconnected datagram socket has a datagram waiting ... */
	unsigned next_dgram, dgram_mem;	/* ... this big; UDP: the memory queued (Recv-Q) */
	char ended[96];		/* DISCONNECTED: why, as its state line says */
};

/* The outcome of the last system call a command made; `expect` checks it. */
struct call_result {
	char call[16];		/* syscall name, e.g. "bind" */
	int fd;			/* the fd it acted on */
	long ret;		/* return value */
	int err;		/* errno when ret == -1, else 0 */
};

struct session {
	int *fds;		/* sockets this session opened, oldest first */
	size_t nfds, capfds;
	int current_fd;		/* the socket the last command used (-1: none); the prompt shows it */
	struct call_result last;	/* the last system call made, for `expect` */
	bool have_last;		/* false until the first system call */
	unsigned long lineno;	/* number of the input line being executed */
	bool interactive;	/* stdin is a terminal: readline, no echo */
	bool echo;		/* script mode: print prompt and line, so output reads as a transcript */
	bool errexit;		/* -e: the first failing call ends the run */
	int status;		/* exit status so far: 1 once an expect failed or a line did not parse */
	bool quit;		/* `quit`, `exit`, -e or end of input: leave the loop */
	FILE *script;		/* script input: stdin, or a --replay file read into memory */
	int script_depth;	/* lesson files running inside each other (bounded) */
	char *script_text;	/* the memory behind a --replay script, or NULL */
	FILE *record;		/* `record FILE`: lines typed from now on go here, or NULL */
	struct lesson *lesson;	/* the guided lesson being stepped through, or NULL */
	bool friendly;		/* in a guided lesson: a failed expect is a hint, not an error */
	bool verbose;		/* --verbose: every explanation in full, every time */
	bool wire_counted_for_wait;	/* segments just before a wait count as its own */
	uint64_t explained[8];	/* errnos.def rows shown in full once: later one line */
	char started_as[256];	/* the options that start the running lesson or --replay
				   script again ("--lesson 09"), for `requires`; "": stdin */
	bool sandboxed;		/* --sandbox: a network namespace of its own (sandbox.c) */
	bool live_output;	/* flush after every line: someone may be reading as it comes */
	int shown_fd;		/* the fd of the last state line printed, and ... */
	int shown_api;		/* ... its API state: a script's echo prompt repeats it */
	bool closing_all;	/* reset or exit closes every socket: no notes about the rest */
	char *unix_dir;		/* private directory for relative Unix paths, or NULL */
	struct made_path {	/* a Unix socket file this session's bind created */
		char *path;	/* as bound */
		int dir;	/* its directory, opened at bind time (O_PATH) */
		const char *name;	/* its name there (in path) */
		dev_t dev;	/* the file bind made: removed at exit only if */
		ino_t ino;	/* it is still there, not something put in its place */
	} *paths;
	size_t npaths;
	struct reset_close {	/* connections closed with SO_LINGER on 0 (they sent RST) */
		int fd;
		struct sockaddr_storage local, peer;
	} *resets;
	size_t nresets;
	struct former {		/* the address each closed fd had, for @FD after a close */
		int fd;
		struct sockaddr_storage addr;
		socklen_t len;
	} *formers;
	size_t nformers;
	struct watched {	/* per socket, what was last reported (watch.c) */
		int fd;
		struct snapshot seen;
		int shown_api;	/* the API state its last state line showed, -1 none */
		int path[16];	/* the TCP states it went through, for `diagram` */
		int via[16];	/* how it came into path[i]: enum edge_via (diagram.c) */
		unsigned long at[16];	/* segments captured before path[i] was seen (ladder_count) */
		int npath;
	} *watched;
	size_t nwatched;
	unsigned ports[256];	/* ports this session bound or connected to, for `ss` */
	size_t nports;
	unsigned char wire_flags[32];	/* the TCP flag bytes of the segments shown under the
					   last call or wait: a bit each, for `expect wire` */
	unsigned char wire_order[64];	/* the flag bytes of the TCP segments since the last
					   call began, in order, for `expect wire order` */
	size_t wire_order_len;
	unsigned long expect_failures;	/* expectations that did not hold, for --tap */
	struct challenge *challenge;	/* the challenge being taken, or NULL (challenge.c) */
	bool challenge_reached;	/* a challenge's goal was reached: --challenge exits 0 */
};

void session_init(struct session *s);
void session_end(struct session *s);
void repl_run(struct session *s);	/* main.c */
bool session_add(struct session *s, int fd);
int fd_park(int fd);
void session_remove(struct session *s, int fd);
bool session_has(const struct session *s, int fd);
void session_close_sockets(struct session *s);
void session_close_all(struct session *s);
void session_remember_address(struct session *s, int fd);
bool session_former_address(const struct session *s, int fd, struct sockaddr_storage *addr,
			    socklen_t *len);
int session_find_fd(const struct session *s, bool (*fits)(int fd));
int session_pick_fd(const struct session *s, bool (*fits)(int fd));
void session_record(struct session *s, const char *call, int fd, long ret, int err);
void session_prompt(const struct session *s, char *out, size_t size);
void echo_line(const struct session *s, const char *line);
void session_note_port(struct session *s, const struct sockaddr *sa);
void session_shown(struct session *s, int fd, int api);
int session_last_shown(struct session *s, int fd);

/* ---- report.c: the three kinds of output ------------------------------ */

void report_error(struct session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
struct strbuf;
void report_width_init(void);
void put_wrapped(FILE *out, const char *first, const char *rest, const char *text);
void report_capture(struct strbuf *sb);	/* notes go to sb, one per line, until NULL */
void report_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void report_expectation(struct session *s, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- parse.c: arguments, with bounds and a reason ---------------------- */

bool looks_like_int(const char *text);
int take_timeout_word(struct session *s, const char *word, long *ms);
bool parse_int(struct session *s, const char *what, const char *text,
	       long min, long max, long *out);
bool parse_fd(struct session *s, const char *text, int *fd);
bool parse_endpoint(struct session *s, int family, int argc, char **argv,
		    struct sockaddr_storage *addr, socklen_t *len);
int errno_from_name(const char *name);

/* ---- text.c: "quoted" TEXT with C escapes, and words --------------------- */

bool parse_text(struct session *s, const char *text, char **out, size_t *len);
long unescape(struct session *s, const char *start, const char *end, char *out);
const char *closing_quote(const char *p);
const char *text_end(const char *p);
const char *take_word(const char **p, char *word, size_t size);

/* ---- format.c: strace-style call lines and addresses; outside text escaped - */

struct strbuf {
	char text[4096];
	size_t len;
};

void sb_init(struct strbuf *sb);
void sb_printf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sb_sockaddr(struct strbuf *sb, const struct sockaddr *sa, socklen_t len);
void sb_quoted(struct strbuf *sb, const void *data, size_t len, size_t max);
bool sb_runs(struct strbuf *sb, const void *data, size_t len);
void sb_socklen(struct strbuf *sb, socklen_t passed, socklen_t returned, bool ok);
void sb_wait_status(struct strbuf *sb, int status);
size_t escape_char(const char *text, size_t left, char out[8]);
void sb_escaped(struct strbuf *sb, const char *text, size_t len);
void put_escaped(const char *text, FILE *out);
void format_endpoint(char *out, size_t size, const struct sockaddr *sa);
/* Room for any endpoint: a Unix path fills sun_path's 108 bytes (4 each if escaped). */
#define ENDPOINT_SIZE 448
struct call_ctx;
void print_call(struct session *s, const struct strbuf *args, const struct call_ctx *c,
		long ret, int err);
const char *errno_name(int err);

/* ---- recvnotes.c: what a recv returned, in words ------------------------- */

bool has_data_waiting(int fd);
long next_datagram(int fd);
void note_received(int fd, const char *data, long size, long n, long datagram);
void note_peeked_line(int fd, const char *data, long n);

/* ---- msgflags.c: the MSG_* flags of send and recv ------------------------ */

int msg_flag_bit(const char *word, bool receiving);
void sb_msg_flags(struct strbuf *sb, int flags);
struct session;
void announce_recv_wait(struct session *s, int fd, int flags, long size);
void note_recv_flags(int fd, int flags, long size, long n);
void note_after_send(const struct call_ctx *c);

/* ---- kstate.c: what the kernel says about a socket ---------------------- */

enum api_state { API_CREATED, API_BOUND, API_LISTENING, API_CONNECTING,
		 API_CONNECTED, API_HALF_CLOSED, API_DISCONNECTED, API_CLOSED };

struct kstate {
	bool is_socket;		/* false: not open, or not a socket */
	int domain, type, protocol;
	enum api_state api;
	struct sockaddr_storage local, peer;
	bool has_local, has_peer;
	bool has_tcp;		/* TCP_INFO answered */
	int tcp_state;		/* TCP_ESTABLISHED ... from <netinet/tcp.h> */
	unsigned queue_len, queue_max;	/* accept queue and backlog, for a TCP or Unix listener */
	unsigned unread, unsent;	/* bytes in the receive and send queues (SIOCINQ, SIOCOUTQ) */
	int shutdown;		/* sk_shutdown bits from sock_diag (1 receive, 2 send), -1 unknown */
	bool has_queues;	/* recv_q and send_q were read from sock_diag */
	unsigned recv_q, send_q;	/* Recv-Q and Send-Q exactly as ss shows them */
	bool has_dest;		/* SYN-SENT: peer holds the destination, from sock_diag */
	bool dgram_waiting;	/* a datagram socket has a datagram to read ... */
	unsigned next_dgram;	/* ... of this many bytes (SIOCINQ) */
	bool error_pending;	/* DISCONNECTED: poll reports POLLERR (SO_ERROR would clear it) */
	/* DISCONNECTED: a TCP socket back in CLOSE after its connect or connection ended. */
	bool port_released;	/* getsockname shows a port the kernel no longer holds for it */
	bool time_wait;		/* ... because its TIME-WAIT entry holds that port now */
	bool was_connected;	/* the handshake completed once (TCP_INFO: tcpi_delivered > 0) */
	int end_err;		/* what ended it (ECONNREFUSED, ...); 0: a clean close, or unknown */
	int last_open;		/* the last TCP state this session saw it in before CLOSE, or 0 */
	unsigned segs_out, segs_in;	/* TCP segments sent and received (TCP_INFO) */
	unsigned unacked_segs;	/* segments sent and not yet acknowledged (TCP_INFO) */
	unsigned long long bytes_in, bytes_out;	/* data bytes received, sent (TCP_INFO) */
	unsigned retransmits;	/* segments sent again (TCP_INFO's tcpi_total_retrans) */
	bool has_windows;	/* TCP_INFO has the windows (Linux 6.2 on) */
	unsigned snd_wnd;	/* the window the peer advertised: how much more it takes */
	unsigned rcv_wnd;	/* the window this end advertised last */
	unsigned notsent;	/* bytes in the send queue not sent yet (tcpi_notsent_bytes) */
};

bool kstate_read(int fd, struct kstate *k);
void kstate_forget(int fd);
unsigned somaxconn(void);
unsigned listener_queue(int fd);
const char *api_state_name(enum api_state st);
const char *tcp_state_name(int tcp_state);
const char *proto_name(const struct kstate *k);
int socket_family(int fd);
int socket_type(int fd);
short observe_events(int fd, short events);

/* ---- stateline.c: the state line after every call, in words ------------- */

void describe_queue(const struct kstate *k, char *out, size_t size);
void print_state_line(int fd);
void print_state(int fd, const struct kstate *k);

/* ---- queues.c: Recv-Q and Send-Q in words ------------------------------- */

void print_queues(const struct kstate *k);
/* ---- ended.c: how a TCP connect or connection ended (DISCONNECTED) ---- */

void ended_forget(int fd);
void ended_read(int fd, struct kstate *k);
void kstate_note_result(int fd, const char *call, long ret, int err);
void describe_disconnect(const struct kstate *k, bool with_port, char *out, size_t size);

/* ---- diag.c: the kernel's socket table (NETLINK_SOCK_DIAG) -------------- */

struct diag_sock {
	int family, protocol;	/* AF_INET/AF_INET6/AF_UNIX, IPPROTO_TCP/IPPROTO_UDP (Unix: 0) */
	int state;		/* TCP_ESTABLISHED ... (UDP: TCP_CLOSE, or ESTABLISHED if connected) */
	struct sockaddr_storage local, peer;
	unsigned rqueue, wqueue;	/* Recv-Q, Send-Q, as ss shows them */
	unsigned inode, uid;	/* inode 0: no process holds it (TIME-WAIT) */
	int shutdown;		/* sk_shutdown bits (1 receive, 2 send), -1 unknown */
	int type;		/* Unix: SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET */
	unsigned peer_inode;	/* Unix: the peer socket's inode, 0 if none */
};

bool diag_each(int family, int protocol, void (*fn)(const struct diag_sock *d, void *arg),
	       void *arg);
bool diag_lookup(const struct kstate *k, struct diag_sock *out);
bool diag_find(int family, int protocol, unsigned states, unsigned inode, struct diag_sock *out);
bool diag_unix(unsigned inode, struct diag_sock *out);
bool diag_unix_each(void (*fn)(const struct diag_sock *d, void *arg), void *arg);
int diag_holds_port(int family, unsigned long inode);
bool inode_owner(unsigned inode, char *out, size_t size);

/* ---- explain.c: an errno in plain words, for one call ----------------- */

/* What a failed call was asked to do, so the explanation can name causes. */
struct call_ctx {
	const char *call;	/* "bind", "listen", ... */
	int fd;
	const struct sockaddr *addr;	/* address passed, or NULL */
	long arg;		/* a numeric argument: the backlog, a flag */
	int msg_flags;		/* the MSG_* flags passed to send or recv */
	void (*on_success)(const struct call_ctx *c);	/* notes before the state line */
	const void *extra;	/* what on_success needs besides the above */
	const char *result;	/* shown after the return value, as strace does for poll */
	const struct kstate *after;	/* the socket's state after the call, for on_success */
};

void explain_failure(struct session *s, const struct call_ctx *ctx, int err);
void explain_errnos_of(const char *call);
const char *errors_of(const char *call);
bool explain_errno(int err);

/* ---- causes.c: why a call failed here ----------------------------------- */

bool explain_cause(struct session *s, const struct call_ctx *c, int err);
void cause_try(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
unsigned port_of(const struct sockaddr *sa);
bool same_place(const struct sockaddr_storage *have, const struct sockaddr *want);
int session_fd_at(const struct session *s, const struct sockaddr *sa, int except,
		  struct kstate *k);
void why_interrupted(struct session *s, const struct call_ctx *c);
void cause_fd_limit(const struct session *s, const char *and_then);

/* ---- causes_port.c: who holds an address, or why nothing answers there ---- */

void cause_addr_in_use(struct session *s, const struct call_ctx *c);
void cause_refused(struct session *s, const struct call_ctx *c);
void cause_no_free_port(const char *asked);
bool port_held_by_time_wait(unsigned port);

/* ---- causes_connect.c: why a connect got no answer or no port ------------- */

void cause_timed_out(struct session *s, const struct call_ctx *c);
void cause_connect_would_block(struct session *s, const struct call_ctx *c);
void cause_no_local_port(struct session *s, const struct call_ctx *c);
const char *final_ack_on_overflow(void);
void announce_connect_wait(struct session *s, int fd, const struct sockaddr *to);

/* ---- sysctl.c: the kernel's tunables ------------------------------------ */

bool sysctl_read(const char *name, unsigned *values, int n);

/* ---- sockopts.c: the socket options and their values ----------------------- */

enum opt_kind {
	OPT_BOOL,		/* on|off, an int 0 or 1 */
	OPT_INT,		/* a number, passed as typed */
	OPT_LINGER,		/* on SECONDS | off: struct linger */
	OPT_TIMEVAL,		/* SECONDS (decimals allowed): struct timeval */
	OPT_ERRNO,		/* read only: an errno */
};

struct sockopt {
	const char *name;	/* as in <sys/socket.h> */
	int level, optname;
	const char *level_name, *strace_name;	/* as strace prints them */
	enum opt_kind kind;
	const char *about;
	bool read_only;		/* setsockopt gives ENOPROTOOPT */
	long min, max;		/* the values Linux takes (EINVAL outside), when min < max */
};

/* The value, whatever its kind. */
union opt_value {
	int i;
	struct linger linger;
	struct timeval tv;
};

socklen_t sockopt_value_size(enum opt_kind kind);	/* what setsockopt/getsockopt pass */
const struct sockopt *sockopt_find(struct session *s, const char *typed);
bool sockopt_parse_value(struct session *s, const struct sockopt *o, int argc, char **argv,
			 union opt_value *v, bool *rounded);
void sb_sockopt_value(struct strbuf *sb, const struct sockopt *o, const union opt_value *v,
		      bool decoded);

/* ---- causes_data.c: why a data call failed here ---------------------------- */

void explain_data_cause(struct session *s, const struct call_ctx *c, int err);
void sockopt_explain(const struct call_ctx *c);	/* in cmd_sockopt.c, which knows the options */

/* ---- cmd.c: the command table ------------------------------------------ */

enum cmd_status {
	CMD_OK,			/* ran (a syscall may still have failed: that is an outcome) */
	CMD_FAILED_CALL,	/* the syscall failed; matters only under -e */
	CMD_USAGE,		/* typed wrong: reported, nothing changed */
};

struct cmd_args {
	int argc;
	char **argv;		/* arguments after the command name */
	const char *rest;	/* the raw text after the command name */
};

struct cmd_entry {
	const char *name;
	const char *alias;	/* or NULL */
	const char *usage;	/* arguments, e.g. "[FD] ADDR PORT" */
	const char *summary;	/* one line for `help` */
	const char *syscall;	/* the call it makes, or NULL; names its errnos and man page */
	const char *also_syscall;	/* another call it makes (sendfile: openat), or NULL */
	const char *about;	/* what it does, for `help NAME` */
	int min_args, max_args;	/* max -1: takes the rest of the line as text */
	enum cmd_status (*exec)(struct session *s, const struct cmd_args *a);
	bool narrates;		/* its output is its own text: not echoed in scripts */
};

const struct cmd_entry *cmd_find(struct session *s, const char *name);
const struct cmd_entry *cmd_lookup_quiet(const char *name);
const struct cmd_entry *cmd_of_line(const char *line);
bool refuse_bare_timeout(struct session *s, const char *call, const struct cmd_args *a,
			 const char *fd_suffix);	/* parse.c, for poll and select */
void cmd_add_names(void (*add)(const char *name));
void sockopt_add_names(void (*add)(const char *name));
void lessons_add_names(void (*add)(const char *name));
void challenges_add_names(void (*add)(const char *name));
void cmd_print_list(void);
bool cmd_print_help(struct session *s, const char *name);
#define MAX_ARGS 80	/* poll takes up to 64 fds */
const struct cmd_entry *cmd_parse_line(struct session *s, char *line, struct cmd_args *args,
				       char **words, enum cmd_status *status);
enum cmd_status cmd_run_line(struct session *s, char *line);

/* Command entries, one file per concern. */
extern const struct cmd_entry cmd_socket_entry, cmd_bind_entry, cmd_listen_entry;
extern const struct cmd_entry cmd_accept_entry, cmd_connect_entry;
extern const struct cmd_entry cmd_nonblock_entry, cmd_close_entry;
extern const struct cmd_entry cmd_sockets_entry, cmd_help_entry, cmd_quit_entry,
	cmd_reset_entry;
extern const struct cmd_entry cmd_say_entry, cmd_expect_entry, cmd_requires_entry,
	cmd_replay_entry;
extern const struct cmd_entry cmd_send_entry, cmd_recv_entry, cmd_sendto_entry,
	cmd_recvfrom_entry, cmd_shutdown_entry;
extern const struct cmd_entry cmd_sendfile_entry, cmd_sendmmsg_entry;
extern const struct cmd_entry cmd_setsockopt_entry, cmd_getsockopt_entry;
extern const struct cmd_entry cmd_getsockname_entry, cmd_getpeername_entry, cmd_poll_entry,
	cmd_socketpair_entry;
extern const struct cmd_entry cmd_ss_entry, cmd_explain_entry, cmd_unlink_entry;
extern const struct cmd_entry cmd_select_entry, cmd_epoll_create_entry, cmd_epoll_ctl_entry,
	cmd_epoll_wait_entry;
extern const struct cmd_entry cmd_fork_entry, cmd_proc_entry, cmd_waitpid_entry, cmd_exit_entry;

/* cmd_data.c: [FD] [more] before the text of send, and of sendmmsg's several. */
bool take_send_fd_and_flags(struct session *s, const struct cmd_args *a, const char *call,
			    int *fd, int *flags, const char **text);

/* cmd_fd.c: also used at exit, so every close is printed the same way. */
enum cmd_status close_fd(struct session *s, int fd);

/* ---- format_events.c: select's fd sets and epoll events as strace prints them ---- */

struct epoll_event;
void sb_epoll_bits(struct strbuf *sb, unsigned bits);
void sb_epoll_event(struct strbuf *sb, const struct epoll_event *ev);
void sb_epoll_events(struct strbuf *sb, const struct epoll_event *evs, int n);
void sb_fd_set(struct strbuf *sb, const fd_set *set, int nfds);

/* ---- causes_events.c: why select or an epoll call failed here ---- */

struct epoll_ctl_args {
	int op;
	unsigned events;
};
bool explain_events_cause(struct session *s, const struct call_ctx *c, int err);

/* ---- epollinfo.c: an epoll instance's interest list, from /proc/self/fdinfo ---- */

bool is_epoll_fd(int fd);
bool epoll_interest(int fd, struct strbuf *sb);
long epoll_interest_count(int fd);
void print_epoll_state(int fd);

/* ---- call.c: what every syscall command shares ------------------------- */

bool resolve_fd(struct session *s, const char *text, bool (*fits)(int fd),
		const char *call, int *fd);
bool fits_unbound(int fd);
bool fits_listen(int fd);
bool fits_accept(int fd);
bool fits_connect(int fd);
bool fits_data(int fd);
bool fits_unconnected_dgram(int fd);
void note_sender(struct session *s, const struct sockaddr *from);
enum cmd_status finish_call(struct session *s, const struct strbuf *args,
			    const struct call_ctx *c, long ret, int err);
socklen_t sockaddr_size_of(int fd);
void announce_wait(struct session *s, int fd, const char *call);
bool call_waits_forever(int fd, bool sending);
void call_time_limit(int fd, bool sending, char *out, size_t size);
enum cmd_status address_call(struct session *s, const struct cmd_args *a,
			     const char *call, bool (*fits)(int fd),
			     int (*syscall_fn)(int, const struct sockaddr *, socklen_t));

/* ---- unixpath.c: Unix socket paths and their clean-up ------------------- */

bool unix_path_resolve(struct session *s, const char *typed, struct sockaddr_storage *addr,
		       socklen_t *len);
void unix_path_created(struct session *s, const struct sockaddr *sa);
void unix_paths_cleanup(struct session *s);
bool unix_path_socket(const char *path, unsigned *inode, bool *listening);

/* ---- lesson.c: finding and listing lessons; lesson NAME ----------------- */

bool lesson_start(struct session *s, const char *name);
int each_text_file(const char *sub, void (*fn)(const char *dir, const char *name, void *arg),
		   void *arg);
bool find_text_file(struct session *s, const char *sub, const char *kind, const char *want,
		    char *path, size_t size);
void lesson_title(const char *path, char *title, size_t size);
const char *lessons_path(const char *path, char *out, size_t size);
extern const struct cmd_entry cmd_lessons_entry, cmd_lesson_entry;

/* ---- guided.c: stepping through a lesson at a terminal ------------------ */

bool guided_start(struct session *s, const char *path);
const char *lesson_next_step(struct session *s);
bool lesson_is_step(struct session *s, const char *line);	/* before the line runs */
void lesson_after_line(struct session *s, bool was_step);
void lesson_progress(const struct session *s, char *out, size_t size);
int lesson_count_steps(const char *text, size_t len);
void lesson_end(struct session *s);
extern const struct cmd_entry cmd_next_entry, cmd_back_entry, cmd_again_entry, cmd_leave_entry;

/* ---- challenge.c: goals the kernel checks; challenges, challenge, hint ---- */

bool challenge_start(struct session *s, const char *name);
void challenge_after_line(struct session *s);
void challenge_note_call(struct session *s, const struct strbuf *args, const struct call_ctx *c,
			 long ret, int err);
void challenge_end(struct session *s, bool reached);
void challenge_restart(struct session *s);
extern const struct cmd_entry cmd_challenges_entry, cmd_challenge_entry, cmd_hint_entry,
	cmd_leave_any_entry;

/* ---- goal.c: a challenge's check lines, and the calls they look back on ---- */

struct goal_call {		/* a call made while a challenge runs */
	char call[16];
	int fd;			/* -1 once a success's fd was closed or reused */
	int err;		/* 0: it succeeded */
	unsigned causes;	/* why it failed, read then (goal.c's cause bits) */
};
struct goal_log {
	struct goal_call *calls;
	size_t n;
	unsigned long calls_made;
	bool accepted_closed;	/* an accept returned a connection its peer had closed */
};
void goal_note_call(struct session *s, struct goal_log *log, const struct strbuf *args,
		    const struct call_ctx *c, long ret, int err);
void goal_log_clear(struct goal_log *log);
const char *goal_check_error(const char *check);
bool goal_holds(struct session *s, const struct goal_log *log, const char *check);

/* ---- tap.c: --tap, checks as TAP test points ---------------------------- */

bool tap_start(void);
void tap_point(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tap_end(void);

/* ---- cmd_expect.c: state names as expect takes them ---------------------- */

int find_api_state(const char *typed);
int find_tcp_state(const char *typed);

/* ---- sandbox.c: --sandbox, a network namespace of the session's own ----- */

bool sandbox_enter(struct session *s);

/* ---- scriptfile.c: reading scripts with bounds -------------------------- */

#define MAX_LINE 65536			/* bytes in a line: no command needs more */
#define SCRIPT_FILE_MAX (1 << 20)	/* bytes in a lesson or --replay file */
#define SCRIPT_DEPTH_MAX 8		/* lessons running inside lessons */

char *read_whole_file(struct session *s, const char *path, size_t *len);
bool run_script_file(struct session *s, const char *path);
char *read_line_bounded(FILE *f, size_t *len);

/* ---- record.c: a session saved as a script ------------------------------ */

void record_line(struct session *s, const char *line);
extern const struct cmd_entry cmd_record_entry;

/* ---- stdinwatch.c: a script's pipe closing while a call waits --------- */

extern volatile sig_atomic_t stdin_closed;
void stdin_watch_start(const struct session *s);
void stdin_watch_call(const struct session *s, bool begin);
void stdin_watch_stop(void);
void stdin_watch_pause(bool pause);
void stdin_watch_forget(void);

/* ---- watch.c: events, noticed without consuming anything --------------- */

int watch_check(struct session *s, int only_fd, void (*say)(const char *line, void *arg),
		void *arg);
void watch_forget(struct session *s, int fd);
struct watched *watch_find(struct session *s, int fd);
void watch_note_state(struct session *s, int fd, int tcp_state);
/* How a socket came into a state, when the kernel said so (a failed call's errno). */
enum edge_via { VIA_FIGURE, VIA_REFUSED, VIA_RESET, VIA_TIMEOUT };
void watch_note_edge(struct session *s, int fd, int tcp_state, enum edge_via via);
void diagram_note_call(struct session *s, const struct call_ctx *c, long ret, int err,
		       const struct kstate *k);
extern const struct cmd_entry cmd_diagram_entry;
extern const struct cmd_entry cmd_wait_entry;

/* ---- events.c: the one wait for stdin, the sockets and what comes later -- */

enum wake { WAKE_INPUT = 1, WAKE_SOCKETS = 2, WAKE_WIRE = 4, WAKE_CHILD = 8 };	/* what was ready: bits */
bool events_add_source(int fd, bool edge, unsigned wake);
void events_keep_source(int fd, unsigned wake);
void events_forget_source(int fd);
unsigned events_wait(struct session *s, bool with_stdin, long timeout_ms);
void events_end(void);
int fd_out_of_the_way(int fd);

/* ---- wire.c: the segments on loopback (AF_PACKET), as tcpdump prints them -- */

enum wire_mode { WIRE_OFF, WIRE_ON, WIRE_BRIEF };
bool wire_start(struct session *s, enum wire_mode mode);
void wire_drain(struct session *s, bool call_done, void (*say)(const char *line, void *arg),
		void *arg);
void wire_forget(int fd);
void wire_counters(int fd, const struct kstate *k, char *out, size_t size);
void wire_end(void);
void wire_note_call(const char *call, int fd);
bool wire_capturing(void);
extern const struct cmd_entry cmd_wire_entry;

/* ---- ladder.c: a captured connection as a sequence diagram --------------- */

struct wire_seg;
void ladder_note_segment(const struct wire_seg *seg, const char *line, const char *call);
void ladder_note_states(void);
void ladder_forget(void);
unsigned long ladder_count(void);
/* A captured segment of a socket's connection, as `diagram` marks a step with it. */
struct ladder_seg {
	unsigned long no;	/* its place among all captured segments (ladder_count) */
	bool sent;		/* by the socket's end; else received by it */
	unsigned flags, payload;	/* TCP flag bits; data bytes */
	uint32_t seq, ack;	/* as sent (absolute) */
	const char *label;	/* the ladder's arrow label: tcpdump's flags and numbers */
};
size_t ladder_segments(struct session *s, int fd, struct ladder_seg *out, size_t max);
extern const struct cmd_entry cmd_ladder_entry;

/* ---- wire_print.c: a captured packet in tcpdump's words ----------------- */

struct wire_seg {
	int family, proto;	/* AF_INET/AF_INET6; IPPROTO_TCP/IPPROTO_UDP */
	unsigned char src[16], dst[16];	/* addresses, network order */
	unsigned sport, dport;
	const unsigned char *l4;	/* the TCP or UDP header ... */
	size_t l4_caplen;	/* ... and the bytes of it captured */
	unsigned length;	/* the IP payload: TCP or UDP header and data */
	unsigned hlen, flags;	/* TCP: header length, flag bits */
	unsigned payload;	/* data bytes */
	bool unreachable;	/* an ICMP port unreachable: proto, ports: what it quotes ... */
	unsigned char quoted_dst[16];	/* ... and the address it was sent to */
};

bool wire_parse(const unsigned char *pkt, size_t caplen, unsigned ethertype,
		struct wire_seg *seg);
void wire_format(const struct wire_seg *seg, bool brief, struct strbuf *sb);
void wire_flag_letters(unsigned flags, char out[16]);

/* ---- procs.c: the session's processes (fork, proc, waitpid) ---------------- */

#define PROC_MAX 16	/* children followed at once */

struct proc {
	pid_t pid;
	int channel;		/* the parent's end of the line channel; -1 once the child ended */
	bool busy;		/* a line was sent and its answer has not come */
	bool ended;		/* it ended (waitid WNOWAIT said so); status holds how */
	bool told;		/* its end was said (an event) */
	int status;		/* its wait status, once ended */
	char prompt[128];	/* its prompt after its last line */
};

bool proc_is_child(void);
struct proc *proc_table(size_t *n);
struct proc *proc_chosen(void);
struct proc *proc_find(pid_t pid);
void proc_choose(struct proc *kid);
void proc_prompt_tag(char *out, size_t size);
void proc_describe_status(int status, char *out, size_t size);
int proc_check(void (*say)(const char *line, void *arg), void *arg);
void proc_say_event(const char *line, void *arg);	/* proc_route.c */
void proc_exit_child(int status);
pid_t proc_fork(struct session *s, bool *forked);
void proc_wait_answer(struct session *s, struct proc *kid, bool line_runs);	/* proc_route.c */
bool proc_wait_end(struct proc *kid);
bool proc_route_line(struct session *s, char *line, enum cmd_status *status);	/* proc_route.c */
bool proc_chosen_prompt(char *out, size_t size);
void proc_end_all(struct session *s);
void proc_reaped(pid_t pid);
bool proc_holders(unsigned long inode, pid_t except, char *out, size_t size);	/* holders.c */
unsigned long socket_inode(int fd);
enum cmd_status proc_print_wait4(struct session *s, pid_t pid, int options);	/* cmd_proc.c */
bool explain_proc_cause(struct session *s, const struct call_ctx *c, int err);	/* cmd_proc.c */

/* ---- input.c: one line at a time, from readline or a pipe ------------- */

void input_init(struct session *s);
char *input_read(struct session *s, const char *prompt, const char *pretyped, size_t *len);
void input_done(struct session *s);

/* ---- history.c: Readline history across sessions ------------------------ */

void history_load(void);
void history_remember(const char *line);
void history_save(void);

/* ---- complete.c: Tab completion ------------------------------------------ */

void completion_init(struct session *s);

/* ---- color.c: colour at a terminal ---------------------------------------- */

enum color_role { COLOR_OFF, COLOR_CALL, COLOR_ERROR, COLOR_STATE, COLOR_EVENT, COLOR_NOTE };

void color_init(bool refused);
const char *color(enum color_role role);

/* ---- signals.c: Ctrl-C interrupts a blocking call --------------------- */

extern volatile sig_atomic_t interrupted;	/* set by SIGINT (or SIGTERM/SIGHUP) */
extern volatile sig_atomic_t terminating;	/* set by SIGTERM, SIGHUP, SIGQUIT...: end the session */
void signals_init(void);
void signals_handled(sigset_t *set);
const char *interrupted_return(const struct call_ctx *c, char *out, size_t size);
void note_interruption(const struct call_ctx *c);

#endif
