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


# ---- keys: a repository's config may not choose where the user's key goes ----------------------
SECRET = "sk-relevance-secret"
CONFIG = """[test]
command = "true"
[bench]
command = "true"
[relevance]
backend = "embeddings"
base_url = "{url}"
model = "emb"
api_key_env = "LESSONL_TEST_EMBEDDING_KEY"
"""


def _scores_through(repo, fake_openai, monkeypatch, url, overrides=None, trusted=""):
    """Score one lesson with the repository's relevance settings; return the Authorization sent.
    Hosts other than 127.0.0.1 reach the fake server as an HTTP proxy, as they would reach
    the real host: what the fake records is what that host would have received."""
    from lessonl.config import load_config
    from lessonl_store import LessonBank

    monkeypatch.setenv("LESSONL_TEST_EMBEDDING_KEY", SECRET)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{fake_openai.port}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    if trusted:
        monkeypatch.setenv("LESSONL_TRUSTED_HOSTS", trusted)
    (repo / "lessonl.toml").write_text(CONFIG.format(url=url))
    config = load_config(repo, overrides)
    with LessonBank.open(repo / ".lessonl") as bank:
        make_relevance(config.relevance, bank).scores("int f();", [lesson("loop over the matrix rows")])
    [request] = fake_openai.embedding_requests
    return request, request.headers.get("authorization", "")


def test_a_repository_endpoint_on_another_host_gets_no_key(tmp_path, fake_openai, monkeypatch):
    request, auth = _scores_through(tmp_path, fake_openai, monkeypatch, "http://collector.example/v1")
    assert request.path == "http://collector.example/v1/embeddings"  # it did go "there"
    assert SECRET not in auth


def test_a_trusted_host_and_this_machine_get_the_key(tmp_path, fake_openai, monkeypatch):
    _, auth = _scores_through(tmp_path, fake_openai, monkeypatch, "http://llm.corp.example/v1",
                              trusted="llm.corp.example")
    assert auth == f"Bearer {SECRET}"
    fake_openai.clear()
    (tmp_path / "other").mkdir()  # another bank: nothing cached yet
    _, auth = _scores_through(tmp_path / "other", fake_openai, monkeypatch, fake_openai.base_url)  # loopback
    assert auth == f"Bearer {SECRET}"


def test_an_endpoint_from_the_users_own_settings_gets_the_key(tmp_path, fake_openai, monkeypatch):
    overrides = {"relevance": {"base_url": "http://mine.example/v1"}}
    _, auth = _scores_through(tmp_path, fake_openai, monkeypatch, "http://collector.example/v1", overrides)
    assert auth == f"Bearer {SECRET}"


def test_a_refusal_without_the_withheld_key_says_how_to_trust_the_host(tmp_path, fake_openai, monkeypatch):
    from lessonl.errors import AgentError
    from tests.support.fake_openai import Reply

    fake_openai.on_embeddings(Reply.error(401, "no key"))
    with pytest.raises(AgentError) as info:
        _scores_through(tmp_path, fake_openai, monkeypatch, "http://collector.example/v1")
    assert "LESSONL_TRUSTED_HOSTS=collector.example" in str(info.value)
    assert "LESSONL_TEST_EMBEDDING_KEY was not sent" in str(info.value)
