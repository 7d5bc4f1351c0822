import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { PRESETS, apiKeyNames, toServerSection } from "../core/settingsShape";

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

test("profileInPrompt false leaves the profile out of the prompts; true changes nothing", () => {
  assert.deepEqual(toServerSection({ profileInPrompt: false }, {}).section.config, { profile: { prompt: false } });
  assert.deepEqual(toServerSection({ profileInPrompt: true }, {}).section.config, {});
  const { section, problems } = toServerSection({ profileInPrompt: "no" }, {});
  assert.deepEqual(section.config, {});
  assert.match(problems[0], /lessonl\.profileInPrompt must be true or false/);
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

test("an agent may name a preset instead of an endpoint; local presets send no key unless one is named", () => {
  const { section, problems } = toServerSection({
    agents: [
      { preset: "ollama", model: "qwen2.5-coder:7b" },
      { preset: "openai", model: "gpt-4o-mini" },
      { preset: "vllm", endpoint: "http://gpu-box:8000/v1", model: "m", apiKeyEnv: "VLLM_KEY" },
    ],
  }, {});
  assert.deepEqual(problems, []);
  assert.deepEqual(section.config.agents, [
    { name: "qwen2.5-coder:7b-1", preset: "ollama", model: "qwen2.5-coder:7b", api_key_env: "" },
    { name: "gpt-4o-mini-2", preset: "openai", model: "gpt-4o-mini", api_key_env: "OPENAI_API_KEY" },
    { name: "m-3", preset: "vllm", base_url: "http://gpu-box:8000/v1", model: "m", api_key_env: "VLLM_KEY" },
  ]);
});

test("an unknown preset, or the custom preset without an endpoint, is named and the agent ignored", () => {
  const { section, problems } = toServerSection({
    agents: [{ preset: "olama", model: "m" }, { preset: "custom", model: "m" }, { model: "m" }],
  }, {});
  assert.deepEqual(section.config, {});
  assert.equal(problems.length, 3);
  assert.match(problems[0], /^lessonl\.agents\[0\]\.preset must be one of openai, ollama, vllm, lmstudio, llamacpp, custom \(got "olama"\)/);
  assert.match(problems[1], /^lessonl\.agents\[1\]\.endpoint must be an http\(s\) URL .* \(or set a preset: ollama/);
  assert.match(problems[2], /^lessonl\.agents\[2\]\.endpoint must be/);
});

test("the key picker offers OPENAI_API_KEY and every agent's key name", () => {
  assert.deepEqual(apiKeyNames([{ apiKeyEnv: "GROQ_API_KEY" }, { apiKeyEnv: "bad name" }, {}]), ["OPENAI_API_KEY", "GROQ_API_KEY"]);
});

test("the lessonl.agents schema in package.json offers exactly the presets the translation accepts", () => {
  const manifest = JSON.parse(readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8"));
  const agent = manifest.contributes.configuration.properties["lessonl.agents"].items;
  assert.deepEqual(agent.properties.preset.enum, PRESETS);
  assert.deepEqual(agent.required, ["model"]); // an endpoint only when there is no preset (anyOf)
});

test("the Python extension's interpreter becomes the project's {python}", () => {
  const { section } = toServerSection({ projectPython: "/repo/.venv/bin/python" }, {});
  assert.deepEqual(section.config.python, { editor_interpreter: "/repo/.venv/bin/python" });
  assert.equal(toServerSection({}, {}).section.config.python, undefined);
});

test("the hotspot threshold reaches the server; a value outside 0..1 is reported and left out", () => {
  assert.equal(toServerSection({ hotspotThreshold: 0.2 }, {}).section.hotspotThreshold, 0.2);
  const { section, problems } = toServerSection({ hotspotThreshold: 5 }, {});
  assert.equal(section.hotspotThreshold, undefined);
  assert.match(problems[0], /lessonl.hotspotThreshold must be a share of benchmark time from 0 to 1 \(got 5\)/);
});
