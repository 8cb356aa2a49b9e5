"""Loaded as `sitecustomize` in a child process: records every outward socket connection and name lookup.

The file named by KB_TEST_CONNECTION_LOG receives one line per event: `<event> <family> <address>`.
"""

import os
import socket
import sys

_log_path = os.environ["KB_TEST_CONNECTION_LOG"]


def _record(event: str, args: tuple) -> None:
    if event == "socket.connect":
        sock, address = args
        line = f"connect {sock.family.name} {address!r}\n"
    elif event == "socket.getaddrinfo":
        line = f"getaddrinfo - {args[0]!r}:{args[1]!r}\n"
    elif event == "socket.sendto":
        sock, address = args
        line = f"sendto {sock.family.name} {address!r}\n"
    else:
        return
    with open(_log_path, "a", encoding="utf-8") as handle:
        handle.write(line)


sys.addaudithook(_record)
_ = socket
