"""The embeddings backend against a real HTTP server on 127.0.0.1 (no mocked client)."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from lessonl_store import make_relevance

from .conftest import lesson

VOCAB = ["matrix", "loop", "string", "join"]


class Handler(BaseHTTPRequestHandler):
    calls: list = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Handler.calls.append(body)
        data = [{"object": "embedding", "index": i,
                 "embedding": [float(text.lower().count(w)) + 0.01 for w in VOCAB]}
                for i, text in enumerate(body["input"])]
        payload = json.dumps({"object": "list", "data": data, "model": body["model"],
                              "usage": {"prompt_tokens": 1, "total_tokens": 1}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def endpoint():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Handler.calls = []
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


def test_ranks_by_cosine_and_caches_vectors_in_the_bank(endpoint, bank):
    config = {"backend": "embeddings", "base_url": endpoint, "model": "emb-test"}
    rel = make_relevance(config, bank)
    near = lesson("loop over the matrix rows")
    far = lesson("string join")
    scores = rel.scores("matrix loop matrix", [far, near])
    assert scores[1] > scores[0]
    assert len(Handler.calls) == 1 and Handler.calls[0]["model"] == "emb-test"
    fresh = make_relevance(config, bank)  # a new process would see the same bank
    assert fresh.scores("matrix loop matrix", [far, near]) == pytest.approx(scores)
    assert len(Handler.calls) == 1  # everything came from the bank's cache


def test_unreachable_endpoint_is_a_clear_error(bank):
    from lessonl.errors import AgentError

    rel = make_relevance({"backend": "embeddings", "base_url": "http://127.0.0.1:9/v1", "model": "x"}, bank)
    with pytest.raises(AgentError, match="embeddings endpoint failed"):
        rel.scores("code", [lesson("x")])
