/**
 * The shared lesson bank's URL and the passwords kept for it. A password is stored in VS Code's
 * SecretStorage under the bank it was given for (user, host, port, database, as in ~/.pgpass),
 * reaches the server as `bankPasswords` ({URL: password}), and the server sends it only to that
 * bank: a repository naming another server in lessonl.toml or .vscode/settings.json cannot
 * collect it. The URL itself (`lessonl.bank.url`, `[bank] url`) never holds a password.
 */

/** Why `raw` is not a bank URL LessonL accepts from a setting, or undefined when it is one. */
export function bankUrlProblem(raw: string): string | undefined {
  const text = raw.trim();
  if (!/^postgres(ql)?:\/\//i.test(text)) {
    return "not a PostgreSQL URL; write postgresql://USER@HOST:PORT/DATABASE";
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "not a valid URL; write postgresql://USER@HOST:PORT/DATABASE";
  }
  if (url.password || /(^|&)password=/i.test(url.search.slice(1))) {
    return "it holds a password; give the password with \"LessonL: Set Lesson Bank Password\" (VS Code's secret storage) instead";
  }
  if (!url.hostname) {
    return "it names no host; write postgresql://USER@HOST:PORT/DATABASE";
  }
  return undefined;
}

/**
 * The bank a password is kept for: `postgresql://user@host:port/database`, lower-case host,
 * the default port 5432 written out, no query. Two spellings of one bank give one key.
 */
export function bankKey(raw: string): string {
  const url = new URL(raw.trim());
  const user = url.username ? `${url.username}@` : "";
  const database = url.pathname.replace(/^\/+|\/+$/g, "");
  return `postgresql://${user}${url.hostname.toLowerCase()}:${url.port || "5432"}/${database}`;
}
