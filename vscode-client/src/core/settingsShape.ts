/**
 * The extension's settings (section `lessonl` in VS Code) become the server's settings
 * section `{apiKeys, config, codeLens, hotspotThreshold, bankPasswords}` (docs/lsp-protocol.md): `config` holds
 * lessonl.toml overrides. API keys and bank passwords come from SecretStorage only, so they never land in a
 * settings file.
 */
import { bankUrlProblem } from "./bankUrl";

export interface AgentSetting {
  name?: string;
  /** A known OpenAI-compatible server; its usual local URL (or OpenAI's) stands in for `endpoint`. */
  preset?: string;
  endpoint?: string;
  model?: string;
  temperature?: number;
  apiKeyEnv?: string;
}

export interface Timeouts {
  build?: number;
  test?: number;
  bench?: number;
  agent?: number;
  run?: number;
}

/** The `lessonl` section as VS Code gives it (every key optional, values unchecked). */
export interface ExtensionSettings {
  agents?: unknown;
  rounds?: unknown;
  k?: unknown;
  relevance?: unknown;
  timeouts?: unknown;
  codeLens?: unknown;
  /** Hot-function code lenses from this share of benchmark time up (0..1). */
  hotspotThreshold?: unknown;
  /** false: the code prompts carry no profile of the benchmark (`[profile] prompt = false`). */
  profileInPrompt?: unknown;
  /** `lessonl.bank.url`: a team's PostgreSQL bank, without a password (`[bank] url`). */
  bankUrl?: unknown;
  /** The interpreter VS Code's Python extension selected for the folder: the project's `{python}`. */
  projectPython?: string;
}

export interface ServerSection {
  apiKeys: Record<string, string>;
  config: Record<string, Record<string, unknown> | unknown[]>;
  codeLens: boolean;
  /** Hot-function lenses from this share of benchmark time up (0..1); absent: the server's 0.05. */
  hotspotThreshold?: number;
  /** Bank URL (bankKey) -> its password, from SecretStorage; absent when none is kept. */
  bankPasswords?: Record<string, string>;
}

const RELEVANCE = ["lexical", "embeddings", "local"];
/** lessonl.config's presets (server/config/presets.py); "custom" needs an endpoint. */
export const PRESETS = ["openai", "ollama", "vllm", "lmstudio", "llamacpp", "custom"];
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function positive(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value > 0;
}

function section(config: ServerSection["config"], name: string): Record<string, unknown> {
  const existing = config[name];
  if (existing && !Array.isArray(existing)) {
    return existing;
  }
  const made: Record<string, unknown> = {};
  config[name] = made;
  return made;
}

/** The server's section, plus one message per setting that was ignored (and why). */
export function toServerSection(raw: ExtensionSettings, apiKeys: Record<string, string>,
                                bankPasswords: Record<string, string> = {}):
    { section: ServerSection; problems: string[] } {
  const problems: string[] = [];
  const config: ServerSection["config"] = {};

  if (raw.projectPython) {
    section(config, "python").editor_interpreter = raw.projectPython;
  }
  if (raw.rounds != null) {
    if (Number.isInteger(raw.rounds) && (raw.rounds as number) >= 1) {
      section(config, "loop").rounds = raw.rounds;
    } else {
      problems.push(`lessonl.rounds must be a whole number of at least 1 (got ${JSON.stringify(raw.rounds)}); using lessonl.toml`);
    }
  }
  if (raw.k != null) {
    if (Number.isInteger(raw.k) && (raw.k as number) >= 0) {
      section(config, "loop").k = raw.k;
    } else {
      problems.push(`lessonl.k must be a whole number of at least 0 (got ${JSON.stringify(raw.k)}); using lessonl.toml`);
    }
  }
  if (raw.relevance != null) {
    if (typeof raw.relevance === "string" && RELEVANCE.includes(raw.relevance)) {
      section(config, "relevance").backend = raw.relevance;
    } else {
      problems.push(`lessonl.relevance must be one of ${RELEVANCE.join(", ")} (got ${JSON.stringify(raw.relevance)}); using lessonl.toml`);
    }
  }
  const timeouts = readTimeouts(raw.timeouts, problems);
  for (const key of ["build", "test", "bench"] as const) {
    if (timeouts[key] !== undefined) {
      section(config, key).timeout = timeouts[key];
    }
  }
  if (timeouts.run !== undefined) {
    section(config, "loop").run_timeout = timeouts.run;
  }
  if (raw.profileInPrompt != null && raw.profileInPrompt !== true) {
    if (raw.profileInPrompt === false) {
      section(config, "profile").prompt = false;
    } else {
      problems.push(`lessonl.profileInPrompt must be true or false (got ${JSON.stringify(raw.profileInPrompt)}); using lessonl.toml`);
    }
  }
  if (typeof raw.bankUrl === "string" && raw.bankUrl.trim()) {
    const problem = bankUrlProblem(raw.bankUrl);
    if (problem) {
      problems.push(`lessonl.bank.url: ${problem}; using lessonl.toml`);
    } else {
      section(config, "bank").url = raw.bankUrl.trim();
    }
  } else if (raw.bankUrl != null && typeof raw.bankUrl !== "string") {
    problems.push("lessonl.bank.url must be a string (postgresql://USER@HOST:PORT/DATABASE); using lessonl.toml");
  }
  const agents = readAgents(raw.agents, timeouts.agent, problems);
  if (agents.length > 0) {
    config.agents = agents;
  }
  const keys: Record<string, string> = {};
  for (const [name, value] of Object.entries(apiKeys)) {
    if (ENV_NAME.test(name) && value) {
      keys[name] = value;
    }
  }
  const out: ServerSection = { apiKeys: keys, config, codeLens: raw.codeLens !== false };
  const passwords = Object.fromEntries(Object.entries(bankPasswords).filter(([url, value]) => value && !bankUrlProblem(url)));
  if (Object.keys(passwords).length > 0) {
    out.bankPasswords = passwords;
  }
  if (raw.hotspotThreshold != null) {
    const t = raw.hotspotThreshold;
    if (typeof t === "number" && Number.isFinite(t) && t >= 0 && t <= 1) {
      out.hotspotThreshold = t;
    } else {
      problems.push(`lessonl.hotspotThreshold must be a share of benchmark time from 0 to 1 (got ${JSON.stringify(t)}); using 0.05`);
    }
  }
  return { section: out, problems };
}

function readTimeouts(raw: unknown, problems: string[]): Timeouts {
  const out: Timeouts = {};
  if (raw == null) {
    return out;
  }
  if (typeof raw !== "object" || Array.isArray(raw)) {
    problems.push("lessonl.timeouts must be an object like {\"build\": 120}; ignored");
    return out;
  }
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (!["build", "test", "bench", "agent", "run"].includes(key)) {
      problems.push(`lessonl.timeouts.${key} is not a known timeout (build, test, bench, agent, run); ignored`);
    } else if (!positive(value)) {
      problems.push(`lessonl.timeouts.${key} must be a number of seconds above 0; ignored`);
    } else {
      out[key as keyof Timeouts] = value;
    }
  }
  return out;
}

function readAgents(raw: unknown, timeout: number | undefined, problems: string[]): Record<string, unknown>[] {
  if (raw == null) {
    return [];
  }
  if (!Array.isArray(raw)) {
    problems.push("lessonl.agents must be a list of {preset or endpoint, model, temperature}; using lessonl.toml");
    return [];
  }
  const agents: Record<string, unknown>[] = [];
  raw.forEach((item: AgentSetting, index: number) => {
    const where = `lessonl.agents[${index}]`;
    if (!item || typeof item !== "object") {
      problems.push(`${where} must be an object; ignored`);
      return;
    }
    if (item.preset !== undefined && !(typeof item.preset === "string" && PRESETS.includes(item.preset))) {
      problems.push(`${where}.preset must be one of ${PRESETS.join(", ")} (got ${JSON.stringify(item.preset)}); agent ignored`);
      return;
    }
    const preset = item.preset ?? "custom";
    if (item.endpoint !== undefined || preset === "custom") {
      if (typeof item.endpoint !== "string" || !/^https?:\/\//.test(item.endpoint)) {
        problems.push(`${where}.endpoint must be an http(s) URL like http://127.0.0.1:8000/v1`
          + `${preset === "custom" ? " (or set a preset: ollama, vllm, lmstudio, llamacpp, openai)" : ""}; agent ignored`);
        return;
      }
    }
    if (typeof item.model !== "string" || !item.model) {
      problems.push(`${where}.model must name the model; agent ignored`);
      return;
    }
    const agent: Record<string, unknown> = {
      name: typeof item.name === "string" && item.name ? item.name : `${item.model}-${index + 1}`,
      preset,
      ...(item.endpoint !== undefined ? { base_url: item.endpoint } : {}), // else the preset's URL
      model: item.model,
      // Local servers (ollama, vllm, lmstudio, llamacpp) need no key unless one is named.
      api_key_env: typeof item.apiKeyEnv === "string" ? item.apiKeyEnv
        : preset === "openai" || preset === "custom" ? "OPENAI_API_KEY" : "",
    };
    if (item.temperature !== undefined) {
      if (typeof item.temperature === "number" && item.temperature >= 0 && item.temperature <= 2) {
        agent.temperature = item.temperature;
      } else {
        problems.push(`${where}.temperature must be between 0 and 2; using the default`);
      }
    }
    if (timeout !== undefined) {
      agent.timeout = timeout;
    }
    agents.push(agent);
  });
  return agents;
}

/** The key names the agents ask for, for the "Set API Key" picker. */
export function apiKeyNames(raw: unknown): string[] {
  const names = new Set<string>(["OPENAI_API_KEY"]);
  if (Array.isArray(raw)) {
    for (const item of raw as AgentSetting[]) {
      if (item && typeof item.apiKeyEnv === "string" && ENV_NAME.test(item.apiKeyEnv)) {
        names.add(item.apiKeyEnv);
      }
    }
  }
  return [...names];
}

export function isEnvName(name: string): boolean {
  return ENV_NAME.test(name);
}
