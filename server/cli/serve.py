"""`lessonl serve`: the language server, over stdio (editors) or TCP (debugging)."""
from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import BinaryIO


def _host_port(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not (0 < int(port) < 65536):
        raise argparse.ArgumentTypeError(f"--tcp wants HOST:PORT (like 127.0.0.1:2087), got {value!r}")
    return host or "127.0.0.1", int(port)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve", help="run the LessonL language server",
        description="Run the LessonL language server. Editors start it over stdio; "
        "--tcp HOST:PORT listens on a socket instead, for debugging.")
    parser.add_argument("--stdio", action="store_true", help="speak LSP on stdin/stdout (the default)")
    parser.add_argument("--tcp", metavar="HOST:PORT", type=_host_port, help="listen on HOST:PORT")
    parser.add_argument("--log-file", metavar="PATH", help="also write the server's own log here")
    parser.add_argument("--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(filename=args.log_file, level=getattr(logging, args.log_level),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from ..lsp.server import create_server

    server = create_server()
    if args.tcp:
        host, port = args.tcp
        print(f"lessonl: language server listening on {host}:{port}", file=sys.stderr)
        server.start_tcp(host, port)
        return 0
    server.start_io(*_protocol_streams())
    return 0


def _protocol_streams() -> tuple[BinaryIO, BinaryIO]:
    """Private copies of stdin/stdout for the protocol; fds 0 and 1 become /dev/null and stderr.

    Anything else that writes to stdout (a stray print in a library, a build tool started
    without captured output) would corrupt the protocol stream, and a child reading stdin
    would steal the client's messages; after this, they cannot.
    """
    protocol_in = os.fdopen(os.dup(0), "rb")
    protocol_out = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return protocol_in, protocol_out
