"""Builds the language server and runs it; `lessonl serve` (lessonl.cli.serve) and
`python -m lessonl.lsp` both come here.

`create_server()` makes the one `LessonLServer` (server.py) and registers every feature module
on it; nothing else imports the features. `run()` sets up logging and speaks LSP over stdio
(editors) or TCP (debugging). The server and its features are imported inside the functions,
so that the CLI can add `serve`'s arguments without loading pygls.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import TYPE_CHECKING, BinaryIO, Sequence

if TYPE_CHECKING:
    from .server import LessonLServer

DESCRIPTION = ("Run the LessonL language server. Editors start it over stdio; "
               "--tcp HOST:PORT listens on a socket instead, for debugging.")


def create_server() -> LessonLServer:
    """A fully registered server, ready for `start_io()` / `start_tcp()`."""
    from . import (batch, code_actions, code_lens, commands, documents, hover, lifecycle, merge,
                   profiling, progress, settings)
    from .server import LessonLServer

    server = LessonLServer()
    for module in (lifecycle, settings, documents, code_actions, hover, code_lens,
                   commands, merge, progress, profiling, batch):
        module.register(server)
    return server


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stdio", action="store_true", help="speak LSP on stdin/stdout (the default)")
    parser.add_argument("--tcp", metavar="HOST:PORT", type=_host_port, help="listen on HOST:PORT")
    parser.add_argument("--log-file", metavar="PATH", help="also write the server's own log here")
    parser.add_argument("--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR"])


def run(args: argparse.Namespace) -> int:
    """Serve until the client says exit (stdio) or the process is stopped (TCP)."""
    logging.basicConfig(filename=args.log_file, level=getattr(logging, args.log_level),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    server = create_server()
    if args.tcp:
        host, port = args.tcp
        print(f"lessonl: language server listening on {host}:{port}", file=sys.stderr)
        server.start_tcp(host, port)
        return 0
    server.start_io(*_protocol_streams())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m lessonl.lsp [--tcp HOST:PORT] ...`: the same server as `lessonl serve`."""
    parser = argparse.ArgumentParser(prog="python -m lessonl.lsp", description=DESCRIPTION)
    add_arguments(parser)
    return run(parser.parse_args(argv))


def _host_port(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not (0 < int(port) < 65536):
        raise argparse.ArgumentTypeError(f"--tcp wants HOST:PORT (like 127.0.0.1:2087), got {value!r}")
    return host or "127.0.0.1", int(port)


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
