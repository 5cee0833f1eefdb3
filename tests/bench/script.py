"""The Python baseline for `make bench`: the script-throughput benchmark's
commands (socket, bind to port 0, listen, close) with a call line and a
TCP_INFO state line each, as sockrepl and floor.c print them."""
import socket
import struct
import sys

TCP_INFO = 11


def state_line(s):
    info = s.getsockopt(socket.IPPROTO_TCP, TCP_INFO, 104)
    state = info[0]
    unacked, sacked = struct.unpack_from("II", info, 24)
    print(f"fd {s.fileno()}: TCP state {state}, accept queue {unacked}/{sacked}")


def main(commands):
    s = None
    for i in range(commands):
        step = i % 4
        if step == 0:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            print(f"socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = {s.fileno()}")
        elif step == 1:
            s.bind(("127.0.0.1", 0))
            print(f'bind({s.fileno()}, {{sa_family=AF_INET, sin_port=htons(0), '
                  f'sin_addr=inet_addr("127.0.0.1")}}, 16) = 0')
        elif step == 2:
            s.listen(1)
            print(f"listen({s.fileno()}, 1) = 0")
        else:
            fd = s.fileno()
            s.close()
            print(f"close({fd}) = 0")
            continue
        state_line(s)


main(int(sys.argv[1]) if len(sys.argv) > 1 else 10000)
