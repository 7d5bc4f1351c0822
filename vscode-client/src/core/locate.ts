/**
 * Finding the line where a function is defined, to open it from the Lessons view.
 * The server locates functions with a real parser; here a light scan is enough because the
 * person only needs the editor to land on the definition: the first line that names the
 * function followed by its parameter list and, for C/C++, a body rather than a `;`.
 */

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** 0-based line of the definition of `qualifiedName` ('ns::Class::method', 'Class.method'), or undefined. */
export function findFunctionLine(text: string, qualifiedName: string, language: string): number | undefined {
  const parts = qualifiedName.split(/::|\./).filter(Boolean);
  const name = parts[parts.length - 1];
  if (!name) {
    return undefined;
  }
  const lines = text.split(/\r?\n/);
  if (language === "python") {
    const def = new RegExp(`^\\s*(async\\s+)?def\\s+${escape(name)}\\s*\\(`);
    const index = lines.findIndex((line) => def.test(line));
    return index >= 0 ? index : undefined;
  }
  // C/C++: `name(` possibly qualified (Class::name), not a call inside a statement.
  const qualified = parts.length > 1 ? `(?:${escape(parts[parts.length - 2])}::)?` : "";
  const head = new RegExp(`(^|[\\s*&:~])${qualified}${escape(name)}\\s*\\(`);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!head.test(line) || /^\s*(\/\/|\*|#)/.test(line) || /\b(return|if|while|for|switch)\b[^(]*\(/.test(line.split(name)[0])) {
      continue;
    }
    // The declaration ends with '{' (a definition) before any ';' (a prototype or a call).
    const rest = lines.slice(i, i + 12).join("\n").slice(line.indexOf(name));
    const brace = rest.indexOf("{");
    const semi = rest.indexOf(";");
    if (brace >= 0 && (semi < 0 || brace < semi)) {
      return i;
    }
  }
  return undefined;
}

export function languageOf(file: string): string {
  if (/\.py$/.test(file)) {
    return "python";
  }
  return /\.c$/.test(file) ? "c" : "cpp";
}
