import assert from "node:assert/strict";
import { test } from "node:test";
import { bankKey, bankUrlProblem } from "../core/bankUrl";
import { toServerSection } from "../core/settingsShape";

test("a bank URL is PostgreSQL, names a host and holds no password", () => {
  assert.equal(bankUrlProblem("postgresql://me@db.example:5432/lessons"), undefined);
  assert.equal(bankUrlProblem(" postgres://db.example/lessons "), undefined);
  assert.match(bankUrlProblem("mysql://me@db/lessons") ?? "", /not a PostgreSQL URL/);
  assert.match(bankUrlProblem("postgresql://me:secret@db/lessons") ?? "", /holds a password.*Set Lesson Bank Password/);
  assert.match(bankUrlProblem("postgresql://me@db/lessons?sslmode=require&password=x") ?? "", /holds a password/);
  assert.match(bankUrlProblem("postgresql:///lessons") ?? "", /no host/);
});

test("one bank spelled two ways keeps one password key", () => {
  assert.equal(bankKey("postgres://me@DB.Example/lessons?sslmode=require"), "postgresql://me@db.example:5432/lessons");
  assert.equal(bankKey("postgresql://me@db.example:5432/lessons/"), "postgresql://me@db.example:5432/lessons");
  assert.equal(bankKey("postgresql://me@db.example:6000/lessons"), "postgresql://me@db.example:6000/lessons");
});

test("lessonl.bank.url becomes the [bank] url override; the passwords travel beside it", () => {
  const url = "postgresql://me@db.example:5432/lessons";
  const { section, problems } = toServerSection({ bankUrl: url }, {}, { [url]: "s3cret" });
  assert.deepEqual(problems, []);
  assert.deepEqual(section.config.bank, { url });
  assert.deepEqual(section.bankPasswords, { [url]: "s3cret" });
  assert.equal(JSON.stringify(section.config).includes("s3cret"), false); // never inside the config
});

test("a bank URL with a password is refused by name and never sent; no passwords, no field", () => {
  const { section, problems } = toServerSection({ bankUrl: "postgresql://me:s3cret@db/lessons" }, {});
  assert.equal(section.config.bank, undefined);
  assert.equal(JSON.stringify(section).includes("s3cret"), false);
  assert.equal(problems.length, 1);
  assert.match(problems[0], /^lessonl\.bank\.url: it holds a password/);
  assert.equal(problems[0].includes("s3cret"), false);
  assert.equal(toServerSection({ bankUrl: "" }, {}, { "postgresql://me@db/x": "" }).section.bankPasswords, undefined);
  assert.deepEqual(toServerSection({ bankUrl: 5 }, {}).problems,
    ["lessonl.bank.url must be a string (postgresql://USER@HOST:PORT/DATABASE); using lessonl.toml"]);
});
