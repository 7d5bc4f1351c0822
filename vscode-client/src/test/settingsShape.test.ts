import assert from "node:assert/strict";
import { test } from "node:test";
import { apiKeyNames, toServerSection } from "../core/settingsShape";

test("empty settings leave lessonl.toml in charge", () => {
  const { section, problems } = toServerSection({}, {});
  assert.deepEqual(section, { apiKeys: {}, config: {}, codeLens: true });
  assert.deepEqual(problems, []);
});

test("agents, rounds, k, relevance and timeouts become lessonl.toml overrides", () => {
  const { section, problems } = toServerSection({
    agents: [{ endpoint: "http://127.0.0.1:9/v1", model: "m1", temperature: 0.5, apiKeyEnv: "MY_KEY" }],
    rounds: 2, k: 3, relevance: "lexical",
    timeouts: { build: 60, test: 10, bench: 30, agent: 15, run: 600 },
    codeLens: false,
  }, { MY_KEY: "secret" });
  assert.deepEqual(problems, []);
  assert.deepEqual(section.apiKeys, { MY_KEY: "secret" });
  assert.equal(section.codeLens, false);
  assert.deepEqual(section.config, {
    loop: { rounds: 2, k: 3, run_timeout: 600 },
    relevance: { backend: "lexical" },
    build: { timeout: 60 }, test: { timeout: 10 }, bench: { timeout: 30 },
    agents: [{ name: "m1-1", preset: "custom", base_url: "http://127.0.0.1:9/v1", model: "m1",
               api_key_env: "MY_KEY", temperature: 0.5, timeout: 15 }],
  });
});

test("bad values are ignored with a message naming the setting", () => {
  const { section, problems } = toServerSection({
    agents: [{ endpoint: "ftp://x", model: "m" }, { endpoint: "http://h/v1" }], rounds: 0, relevance: "magic",
    timeouts: { build: -1, lunch: 5 },
  }, { "not a name": "x" });
  assert.deepEqual(section.config, {});
  assert.deepEqual(section.apiKeys, {});
  assert.equal(problems.length, 6);
  for (const key of ["lessonl.agents[0].endpoint", "lessonl.agents[1].model", "lessonl.rounds", "lessonl.relevance",
                     "lessonl.timeouts.build", "lessonl.timeouts.lunch"]) {
    assert.ok(problems.some((p) => p.startsWith(key)), `no problem reported for ${key}: ${problems.join(" | ")}`);
  }
});

test("the key picker offers OPENAI_API_KEY and every agent's key name", () => {
  assert.deepEqual(apiKeyNames([{ apiKeyEnv: "GROQ_API_KEY" }, { apiKeyEnv: "bad name" }, {}]), ["OPENAI_API_KEY", "GROQ_API_KEY"]);
});
