/**
 * Reading import files as Mastodon's Form::Import reads them: Ruby CSV's quoting and blank lines,
 * the header row only when Mastodon wrote it, each column's conversion, Mastodon's error messages,
 * the row limit, and the "wrong type?" guess. Files Petrel's own export writes read back unchanged.
 */
import { describe, expect, it } from "vitest";
import { CsvError, parseCsv, parseImport, ROWS_PROCESSING_LIMIT, rowToCsv } from "../../src/services/imports/csv";
import { config } from "../helpers/fixtures";

const parse = (type: Parameters<typeof parseImport>[1], text: string, filename = "upload.csv") =>
  parseImport(config(), type, text, filename);

describe("parseCsv", () => {
  it("reads quoted fields, doubled quotes, CRLF and LF, and skips blank lines", () => {
    expect(parseCsv('a,"b,c","say ""hi"""\r\n\r\n"multi\nline",x\n\n,\n')).toEqual([
      ["a", "b,c", 'say "hi"'],
      ["multi\nline", "x"],
      ["", ""],
    ]);
    expect(parseCsv("\uFEFFAccount address\nbob")).toEqual([["Account address"], ["bob"]]);
    expect(parseCsv("")).toEqual([]);
  });

  it("refuses what Ruby's CSV refuses, naming the line", () => {
    expect(() => parseCsv('ok\nab"c\n')).toThrow(new CsvError("Illegal quoting in line 2."));
    expect(() => parseCsv('ok\n"open\n')).toThrow(new CsvError("Unclosed quoted field in line 2."));
    expect(() => parseCsv('"a"b\n')).toThrow(new CsvError("Any value after quoted field isn't allowed in line 1."));
  });
});

describe("parseImport", () => {
  it("reads the follows file Mastodon (and Petrel) export, with its header and options", () => {
    const text = [
      "Account address,Show boosts,Notify on new posts,Languages",
      "@Alice@Remote.example,true,false,",
      `bob@${config().localDomain},false,true,"en, de"`,
      "carol,,,",
    ].join("\n");
    const parsed = parse("following", text, "following_accounts.csv");
    expect(parsed).toEqual({
      ok: true,
      likelyMismatched: false,
      rows: [
        {
          key: "alice@remote.example",
          data: { acct: "Alice@Remote.example", show_reblogs: true, notify: false, languages: null },
        },
        { key: "bob", data: { acct: `bob@${config().localDomain}`, show_reblogs: false, notify: true, languages: ["en", "de"] } },
        { key: "carol", data: { acct: "carol", show_reblogs: null, notify: null, languages: null } },
      ],
    });
  });

  it("uses the type's default columns when the first row is not a header Mastodon writes", () => {
    expect(parse("blocking", "spam@bad.example\n@troll@bad.example\n")).toMatchObject({
      ok: true,
      rows: [
        { key: "spam@bad.example", data: { acct: "spam@bad.example" } },
        { key: "troll@bad.example", data: { acct: "troll@bad.example" } },
      ],
    });
    expect(parse("domain_blocking", " Bad.Example \nworse.example")).toMatchObject({
      ok: true,
      rows: [{ key: "bad.example", data: { domain: "bad.example" } }, { key: "worse.example" }],
    });
    expect(parse("lists", "Friends,alice@remote.example\nWork,bob\n")).toMatchObject({
      ok: true,
      rows: [
        { key: "alice@remote.example", data: { list_name: "Friends", acct: "alice@remote.example" } },
        { key: "bob", data: { list_name: "Work", acct: "bob" } },
      ],
    });
    expect(parse("bookmarks", "https://remote.example/users/a/statuses/1\n")).toMatchObject({
      ok: true,
      rows: [{ key: "https://remote.example/users/a/statuses/1" }],
    });
    expect(parse("muting", "Account address,Hide notifications\ntroll@bad.example,false\n")).toMatchObject({
      ok: true,
      rows: [{ key: "troll@bad.example", data: { acct: "troll@bad.example", hide_notifications: false } }],
    });
  });

  it("answers Mastodon's errors: empty, invalid, incompatible, too many rows", () => {
    expect(parse("following", "\n\n")).toEqual({ ok: false, error: "Empty CSV file" });
    expect(parse("following", 'Account address\n"bob\n')).toEqual({
      ok: false,
      error: "Invalid CSV file. Error: Unclosed quoted field in line 2.",
    });
    expect(parse("domain_blocking", "Account address\nbob\n")).toEqual({
      ok: false,
      error: "Incompatible with the selected import type",
    });
    const rows = Array.from({ length: ROWS_PROCESSING_LIMIT + 1 }, (_, i) => `u${i}@x.example`).join("\n");
    expect(parse("blocking", rows)).toEqual({ ok: false, error: `contains more than ${ROWS_PROCESSING_LIMIT} rows` });
    const atLimit = parse("blocking", `Account address\n${rows.split("\n").slice(1).join("\n")}`);
    expect(atLimit.ok && atLimit.rows.length).toBe(ROWS_PROCESSING_LIMIT);
  });

  it("warns when the file looks like another type than the one chosen", () => {
    const follows = "Account address,Show boosts,Notify on new posts,Languages\nbob,true,false,\n";
    expect(parse("blocking", follows)).toMatchObject({ ok: true, likelyMismatched: true });
    expect(parse("blocking", "bob\n", "muted_accounts.csv")).toMatchObject({ ok: true, likelyMismatched: true });
    expect(parse("blocking", "bob\n", "blocked_accounts.csv")).toMatchObject({ ok: true, likelyMismatched: false });
  });

  it("writes failed rows back in the file's format", () => {
    expect(rowToCsv("following", { acct: "a@b.example", show_reblogs: null, notify: true, languages: ["en", "fr"] })).toEqual([
      "a@b.example",
      "true",
      "true",
      "en, fr",
    ]);
    expect(rowToCsv("lists", { list_name: "Friends", acct: "a@b.example" })).toEqual(["Friends", "a@b.example"]);
  });
});
