/**
 * Text a server controls must never drive the user's terminal (issue 11 §3). A terminal obeys C0/C1 control
 * characters and the escape sequences they start: OSC 52 writes the clipboard, OSC 8 draws links whose target is not
 * their text, CSI clears the screen or moves the cursor, and bidi overrides and invisible format characters make text
 * read differently from what it is. Everything here turns those characters into visible, inert escapes (`\x1b`,
 * `\u009b`, `\u202e`); the rest of a sequence is then plain text. Keyport's own messages contain none of them, so the
 * CLI applies this to every line it prints, not only to fields it knows came from a server.
 */

/**
 * Invisible format characters worth flagging: bidi marks, embeddings, overrides and isolates (Trojan Source), zero
 * width space, word joiner and invisible operators, line/paragraph separators, BOM, interlinear annotations, Unicode
 * tags (invisible "ASCII smuggling"). ZWJ and ZWNJ stay: emoji and several scripts need them.
 */
const FORMAT = '\\u00ad\\u061c\\u180e\\u200b\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u206f\\ufeff\\ufff9-\\ufffb';
const TAGS = '\\u{e0000}-\\u{e007f}';
/** With the `u` flag a surrogate range matches only unpaired surrogates (a pair is one code point). */
const LONE_SURROGATE = '\\ud800-\\udfff';

/** Controls except newline and tab, DEL, C1, format characters, lone surrogates. */
const UNSAFE_BLOCK = new RegExp(`[\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f${FORMAT}${TAGS}${LONE_SURROGATE}]`, 'gu');
/** The same plus newline and tab: for a field that must stay on one line. */
const UNSAFE_FIELD = new RegExp(`[\\u0000-\\u001f\\u007f-\\u009f${FORMAT}${TAGS}${LONE_SURROGATE}]`, 'gu');
/** What JSON.stringify leaves raw but a terminal obeys (C1, DEL, format characters), plus any raw C0 but newline. */
const UNSAFE_JSON = new RegExp(`[\\u0000-\\u0009\\u000b-\\u001f\\u007f-\\u009f${FORMAT}${TAGS}]`, 'gu');

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, '0');
}

/** The visible form of one unsafe character: `\x1b`, `\n`, `\u009b`, `\u202e`, `\u{e0041}`. */
function visible(ch: string): string {
  const named = NAMED[ch];
  if (named !== undefined) return named;
  const code = ch.codePointAt(0) ?? 0;
  if (code < 0x80) return `\\x${hex(code, 2)}`;
  return code > 0xffff ? `\\u{${hex(code, 5)}}` : `\\u${hex(code, 4)}`;
}

/** A JSON `\uXXXX` escape (astral characters as their surrogate pair), valid inside a JSON string. */
function jsonEscape(ch: string): string {
  let out = '';
  for (let i = 0; i < ch.length; i++) out += `\\u${hex(ch.charCodeAt(i), 4)}`;
  return out;
}

/**
 * A block of text for a human (a table, a tool's result, a message): newlines and tabs stay, every other control
 * or format character is shown as an inert escape.
 */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE_BLOCK, visible);
}

/** One field that must stay on its line (a name, an issuer, a table cell): newlines and tabs are escaped too. */
export function singleLine(text: string): string {
  return text.replace(UNSAFE_FIELD, visible);
}

/**
 * JSON text with every character a terminal would obey escaped the JSON way (`\u001b`, `\u009b`, `\u202e`), so
 * `--json` output parses to the original characters and never drives a terminal. JSON.stringify already escapes C0
 * but leaves DEL, C1 and format characters raw; outside strings its output has none of them, so this stays valid.
 */
export function jsonSafe(json: string): string {
  return json.replace(UNSAFE_JSON, jsonEscape);
}

/** `JSON.stringify` for terminal output: {@link jsonSafe} applied. */
export function toSafeJson(value: unknown, space?: number): string {
  return jsonSafe(JSON.stringify(value, null, space));
}

/** True when `text` holds a character a terminal would act on or hide (for tests and assertions at boundaries). */
export function hasTerminalControls(text: string): boolean {
  UNSAFE_BLOCK.lastIndex = 0;
  const found = UNSAFE_BLOCK.test(text);
  UNSAFE_BLOCK.lastIndex = 0;
  return found;
}
