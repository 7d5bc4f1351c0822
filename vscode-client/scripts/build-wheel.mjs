// Builds the lessonl Python wheel into vscode-client/wheels/, where the .vsix picks it up
// (the extension installs it into a private environment when `lessonl` is not importable).
// Python: $PYTHON, else .venv/bin/python, else python3. Build isolation fetches setuptools
// from PyPI (the repository's own setuptools may be too old for its pyproject.toml).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";

const root = new URL("../..", import.meta.url).pathname;
const out = join(root, "vscode-client", "wheels");
const venvPython = join(root, ".venv", "bin", "python");
const python = process.env.PYTHON || (existsSync(venvPython) ? venvPython : "python3");

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
execFileSync(python, ["-m", "pip", "wheel", "--quiet", "--no-deps", "-w", out, root],
  { stdio: "inherit", timeout: 300_000, cwd: root });
const wheels = readdirSync(out).filter((name) => name.endsWith(".whl"));
if (wheels.length !== 1) {
  console.error(`build-wheel: expected one wheel in ${out}, found ${wheels.length}`);
  process.exit(1);
}
console.log(`build-wheel: ${join("vscode-client", "wheels", wheels[0])}`);
