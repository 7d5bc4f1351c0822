"""A stand-in for `python -m llama_cpp.server` in lifecycle tests: same command line, a real
HTTP server on the port it is given, and failure modes chosen by environment variables.

    FAKE_LLAMA_MODE   serve (default) | exit (fail at startup, like a bad model file)
                      | silent (run but never listen, like a model that loads forever)
    FAKE_LLAMA_START_DELAY seconds to "load the model" before listening (a slow start-up)
    FAKE_LLAMA_DIE_AFTER   exit after answering this many chat requests (a crash mid-run)
    FAKE_LLAMA_CHILD  "1": start a sleeping child process, to check the whole group is stopped
    FAKE_LLAMA_PIDFILE  write "<own pid> <child pid>" here once serving
    FAKE_LLAMA_CODE   the text of every code reply (default: a short C++ histogram)

Chat replies: the code text for code prompts, a fixed lesson for lesson prompts (recognised by
LessonL's own prompt headings, so whole optimize runs can be scripted).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO))

from lessonl import prompts  # noqa: E402

LESSON_TEXT = "Counting each element once avoids a pass over the data per bin."
DEFAULT_CODE = """Here it is.

```cpp
std::vector<int> histogram(const std::vector<int>& data, int bins) {
    std::vector<int> counts(bins, 0);
    for (int value : data) {
        if (value >= 0 && value < bins) {
            counts[value] += 1;
        }
    }
    return counts;
}
```
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    for name in ("--model", "--model_alias", "--host", "--port", "--n_ctx", "--n_threads"):
        parser.add_argument(name)
    args = parser.parse_args()
    print(f"fake llama server: model={args.model} alias={args.model_alias} n_ctx={args.n_ctx} "
          f"n_threads={args.n_threads}", flush=True)
    mode = os.environ.get("FAKE_LLAMA_MODE", "serve")
    if mode == "exit":
        print("error: failed to load model (injected)", flush=True)
        sys.exit(3)
    child = None
    if os.environ.get("FAKE_LLAMA_CHILD") == "1":
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    if mode == "silent":
        _write_pids(child)
        time.sleep(600)
        return
    time.sleep(float(os.environ.get("FAKE_LLAMA_START_DELAY", "0") or 0))
    server = ThreadingHTTPServer((args.host, int(args.port)), _handler(args.model_alias or "model"))
    _write_pids(child)
    print(f"listening on {args.host}:{args.port}", flush=True)
    server.serve_forever(poll_interval=0.05)


def _write_pids(child: subprocess.Popen | None) -> None:
    path = os.environ.get("FAKE_LLAMA_PIDFILE")
    if path:
        Path(path).write_text(f"{os.getpid()} {child.pid if child else 0}")


def _handler(alias: str) -> type[BaseHTTPRequestHandler]:
    die_after = int(os.environ.get("FAKE_LLAMA_DIE_AFTER", "0") or 0)
    code = os.environ.get("FAKE_LLAMA_CODE", DEFAULT_CODE)
    answered = {"chat": 0}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            print("request:", format % args, flush=True)

        def do_GET(self) -> None:
            if self.path.rstrip("/") == "/v1/models":
                self._json(200, {"object": "list", "data": [{"id": alias, "object": "model", "owned_by": "me"}]})
            else:
                self._json(404, {"error": {"message": "not found"}})

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            if self.path.rstrip("/") != "/v1/chat/completions":
                self._json(404, {"error": {"message": "not found"}})
                return
            text = "\n".join(str(m.get("content", "")) for m in body.get("messages", []))
            content = LESSON_TEXT if prompts.LESSON_TASK in text else code
            self._json(200, {"id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()),
                             "model": alias, "choices": [{"index": 0, "finish_reason": "stop",
                                                          "message": {"role": "assistant", "content": content}}],
                             "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20}})
            with lock:
                answered["chat"] += 1
                if die_after and answered["chat"] >= die_after:
                    print(f"fake llama server: crashing after {answered['chat']} chat requests", flush=True)
                    self.wfile.flush()
                    os._exit(9)

        def _json(self, status: int, payload: object) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


if __name__ == "__main__":
    main()
