import { describe, expect, it } from 'vitest';
import { hasTerminalControls, jsonSafe, singleLine, terminalSafe, toSafeJson } from '../../main/cli/terminal-text.ts';

const C0 = Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(i));
const C1 = Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(0x80 + i));
const FORMAT = ['\u061c', '\u200b', '\u200e', '\u200f', '\u2028', '\u2029', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\ufeff', '\u{e0041}', '\u00ad'];
// eslint-disable-next-line no-control-regex -- control characters are exactly what is looked for
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\u{e0000}-\u{e007f}]/u;

describe('terminal text', () => {
  it('shows every C0 control but newline and tab, DEL and every C1 control as a visible escape', () => {
    for (const ch of [...C0.filter((c) => c !== '\n' && c !== '\t'), '\u007f', ...C1, ...FORMAT]) {
      const shown = terminalSafe(`a${ch}b`);
      expect(shown, JSON.stringify(ch)).not.toMatch(RAW);
      expect(shown).toMatch(/^a\\(x[0-9a-f]{2}|u[0-9a-f]{4}|u\{[0-9a-f]{5}\}|r)b$/);
    }
    expect(terminalSafe('\u001b]52;c;aGk=\u0007')).toBe('\\x1b]52;c;aGk=\\x07');
    expect(terminalSafe('\u009b2J')).toBe('\\u009b2J');
    expect(terminalSafe('line 1\n\tline 2')).toBe('line 1\n\tline 2');
  });

  it('keeps a single-line field on one line', () => {
    expect(singleLine('name\nkeyport: fake\r\tx')).toBe('name\\nkeyport: fake\\r\\tx');
  });

  it('leaves ordinary text alone: accents, CJK, emoji with joiners, Persian with ZWNJ', () => {
    const text = 'Café 東京 👩‍💻 👨‍👩‍👧 می‌خواهم — “quotes”';
    expect(terminalSafe(text)).toBe(text);
    expect(singleLine(text)).toBe(text);
    expect(hasTerminalControls(text)).toBe(false);
    expect(hasTerminalControls('x\u202ey')).toBe(true);
  });

  it('shows a lone surrogate instead of letting it turn into a replacement character', () => {
    expect(terminalSafe('a\ud800b\udc00c')).toBe('a\\ud800b\\udc00c');
  });

  it('--json: JSON.stringify leaves C1, DEL and bidi raw; the safe writer escapes them and the value round-trips', () => {
    const value = { s: [...C0, '\u007f', ...C1, ...FORMAT].join('') + 'end', nested: [{ k: '\u009b2J' }] };
    expect(JSON.stringify(value)).toMatch(/[\u0080-\u009f]/);
    const text = toSafeJson(value, 2);
    expect(text).not.toMatch(RAW);
    expect(JSON.parse(text)).toEqual(value);
    expect(jsonSafe(JSON.stringify(value))).toBe(toSafeJson(value));
  });
});
