#!/usr/bin/python3
"""tests/bench/latency.py - how fast an event reaches the screen, and how
often an idle sockrepl wakes up.

Usage: latency.py SOCKREPL [TRIALS] [--wire]

Notice latency: this process is the peer. It waits until sockrepl sleeps in
its one wait (epoll_pwait, read from /proc/PID/syscall), takes the time,
connects (or sends one byte), and takes the time again when the notice line
has arrived on sockrepl's output: the same clock on both ends. Measured in
script mode (`wait 3` through a pipe) and at the interactive prompt (a pty).

Idle wake-ups: the voluntary context switches of every sockrepl thread
(/proc/PID/task/*/status) over a few seconds at the prompt with nothing
happening, with a listener and an ESTABLISHED pair, then with a socket in
FIN-WAIT-2 (a state the kernel may leave by a timer: the wait ticks).

With --wire, sockrepl runs with capture on (`--wire`: each segment of the
session's sockets wakes it and is printed before the notice), and only the
connect latencies are measured, as wire_script_connect and
wire_prompt_connect. Capture needs CAP_NET_RAW: without it, no figures.

Prints one line per figure: NAME MEDIAN_US MAX_US, or NAME WAKEUPS_PER_S.
"""
import fcntl
import os
import platform
import pty
import re
import select
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time

SOCKREPL = sys.argv[1]
TRIALS = int(sys.argv[2]) if len(sys.argv) > 2 else 100
WIRE = "--wire" in sys.argv[3:]
OPTIONS = ["--wire"] if WIRE else []  # sockrepl's, after its name
PREFIX = "wire_" if WIRE else ""
WARMUP = 5
IDLE_SECONDS = 3.0
EPOLL_PWAIT = {"x86_64": 281, "aarch64": 22}.get(platform.machine(), 281)


def now_us():
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC) / 1000.0


def sleeping_in_wait(pid, limit=5.0):
    """Wait (bounded) until pid's main thread sleeps in epoll_pwait."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        try:
            with open(f"/proc/{pid}/syscall") as f:
                if f.read().split()[0] == str(EPOLL_PWAIT):
                    return
        except (OSError, IndexError):
            pass
        time.sleep(0.0005)
    raise SystemExit(f"latency.py: sockrepl never slept in epoll_pwait ({EPOLL_PWAIT})")


def wakeups(pid):
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/status") as f:
            for line in f:
                if line.startswith("voluntary_ctxt_switches:"):
                    total += int(line.split()[1])
    return total


def idle_rate(pid):
    before = wakeups(pid)
    time.sleep(IDLE_SECONDS)
    return (wakeups(pid) - before) / IDLE_SECONDS


class Output:
    """sockrepl's output (a pipe or a pty), read as it comes."""

    def __init__(self, fd):
        self.fd, self.text = fd, ""

    def until(self, pattern, limit=5.0):
        """Read until pattern matches; returns the match. Consumes up to its end."""
        end = time.monotonic() + limit
        regex = re.compile(pattern, re.M)
        while True:
            m = regex.search(self.text)
            if m:
                self.text = self.text[m.end():]
                return m
            left = end - time.monotonic()
            if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                raise SystemExit(f"latency.py: gave up waiting for {pattern!r}; got {self.text[-400:]!r}")
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                data = b""
            if not data:
                raise SystemExit(f"latency.py: sockrepl ended while waiting for {pattern!r}")
            self.text += data.decode(errors="replace")


def summary(name, samples):
    kept = samples[WARMUP:]
    print(f"{PREFIX}{name} {statistics.median(kept):.0f} {max(kept):.0f}")


def capturing(out):
    """With --wire: sockrepl said that it captures, or no figure is measured."""
    if WIRE:
        out.until(r"^wire: on: capturing on lo")


def peer_listener():
    """A listener here for sockrepl to connect to."""
    lst = socket.socket()
    lst.bind(("127.0.0.1", 0))
    lst.listen(8)
    return lst


def acked(sock, limit=2.0):
    """Wait until the peer acknowledged all we sent (SIOCOUTQ 0): the next send
    then leaves at once, not held back by a congestion window that delayed
    ACKs have used up (the receiver reads nothing, so it delays its ACKs)."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if struct.unpack("i", fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0" * 4))[0] == 0:
            return
        time.sleep(0.001)


def trials(pid, out, notice, act, before=lambda: None, prepare=lambda: None):
    """The latency of notice after act, TRIALS times after WARMUP; before: what
    starts a wait; prepare: what the peer readies before it."""
    samples = []
    for _ in range(TRIALS + WARMUP):
        before()
        prepare()
        sleeping_in_wait(pid)
        t0 = now_us()
        act()
        out.until(notice)
        samples.append(now_us() - t0)
    return samples


def script_mode():
    lst = peer_listener()
    p = subprocess.Popen([SOCKREPL, "--no-echo", *OPTIONS], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE)
    out = Output(p.stdout.fileno())
    say = lambda line: (p.stdin.write(line.encode() + b"\n"), p.stdin.flush())
    say("socket\nbind 127.0.0.1 0\nlisten 4096\nsocket\nconnect 127.0.0.1 %d" % lst.getsockname()[1])
    capturing(out)  # its line is out once connect flushed the output
    port = int(out.until(r"^fd 3: LISTENING on 127\.0\.0\.1:(\d+)").group(1))
    conn, _ = lst.accept()
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no Nagle wait for our ACKs
    clients = []
    connect = lambda: clients.append(socket.create_connection(("127.0.0.1", port)))

    summary("script_connect", trials(p.pid, out, r"event: fd 3: a connection is waiting", connect,
                                     lambda: say("wait 3 10000")))
    if not WIRE:
        summary("script_send", trials(p.pid, out, r"event: fd 4: 1 byte arrived",
                                      lambda: conn.send(b"x"), lambda: say("wait 4 10000"),
                                      lambda: acked(conn)))
        say("wait 3 4000")
        sleeping_in_wait(p.pid)
        print(f"idle_script_wait {idle_rate(p.pid):.1f}")
    p.stdin.close()
    p.wait(timeout=20)
    for c in clients:
        c.close()


def prompt_mode():
    lst = peer_listener()
    home = tempfile.mkdtemp()  # no history of the learner's is read or written
    env = dict(os.environ, TERM="dumb", NO_COLOR="1", HOME=home, XDG_STATE_HOME=home)
    pid, master = pty.fork()
    if pid == 0:
        os.execve(SOCKREPL, [SOCKREPL, *OPTIONS], env)
    out = Output(master)
    capturing(out)
    type_line = lambda line: os.write(master, line.encode() + b"\r")
    type_line("socket")
    type_line("bind 127.0.0.1 0")
    type_line("listen 4096")
    port = int(out.until(r"^fd 3: LISTENING on 127\.0\.0\.1:(\d+)").group(1))
    type_line("socket")
    type_line("connect 127.0.0.1 %d" % lst.getsockname()[1])
    out.until(r"^fd 4: CONNECTED")
    conn, _ = lst.accept()
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    out.until(r"sockrepl \[4 CONNECTED\]> ")
    clients = []
    connect = lambda: clients.append(socket.create_connection(("127.0.0.1", port)))

    summary("prompt_connect", trials(pid, out, r"\[event\] fd 3: a connection is waiting", connect))
    if WIRE:
        type_line("quit")
        os.waitpid(pid, 0)
        shutil.rmtree(home, ignore_errors=True)
        for c in clients:
            c.close()
        return
    summary("prompt_send", trials(pid, out, r"\[event\] fd 4: 1 byte arrived", lambda: conn.send(b"x"),
                                        prepare=lambda: acked(conn)))
    sleeping_in_wait(pid)
    print(f"idle_prompt {idle_rate(pid):.1f}")
    # FIN-WAIT-2: fd 4 sends its FIN; the peer here acknowledges it and keeps its side open.
    type_line("shutdown 4 wr")
    for _ in range(50):
        type_line("getsockname 4")
        if "FIN-WAIT-2" in out.until(r"^fd 4: .*$").group(0):
            break
        time.sleep(0.1)
    sleeping_in_wait(pid)
    print(f"idle_transient {idle_rate(pid):.1f}")
    type_line("quit")
    os.waitpid(pid, 0)
    shutil.rmtree(home, ignore_errors=True)
    for c in clients:
        c.close()


if __name__ == "__main__":
    try:
        os.nice(-5)  # a loaded machine: the bench and sockrepl (inherited) ahead of the crowd
    except OSError:
        pass
    script_mode()
    prompt_mode()
