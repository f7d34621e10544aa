/**
 * Rules about text that the add-in, the server and the database's check constraints share. The
 * patterns are written so that JavaScript and PostgreSQL's regular expressions (ARE) read the
 * same source the same way: explicit \uXXXX ranges instead of \s, whose meaning in PostgreSQL
 * depends on the database's locale (U+0085 is space there, not in JavaScript). The migration
 * 20261201110000_text_regeln.sql holds the SQL side; tests/server/db/text-rules.test.ts fails when
 * the two drift apart.
 */

type Range = readonly [number, number];

const hex = (code: number) =>
  code > 0xffff ? `\\U${code.toString(16).padStart(8, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
const jsHex = (code: number) => `\\u{${code.toString(16)}}`;
const bracket = (ranges: readonly Range[], escape: (code: number) => string) =>
  ranges.map(([from, to]) => (from === to ? escape(from) : `${escape(from)}-${escape(to)}`)).join('');

/** Control characters, space and the Unicode spaces: none of them belongs in a web address. */
const URL_BREAKING: readonly Range[] = [
  [0x01, 0x20],
  [0x7f, 0xa0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
  [0xfeff, 0xfeff],
];

/** A web address: http(s)://, a host with a dot, no space or control character anywhere. */
export const URL_PATTERN_SOURCE = `^https?://[^${bracket(URL_BREAKING, hex)}/?#]+\\.[^${bracket(URL_BREAKING, hex)}]*$`;
export const URL_PATTERN = new RegExp(URL_PATTERN_SOURCE);

/**
 * What a stored text may not contain: what XML 1.0 cannot carry (C0 controls but tab and line
 * feed, U+FFFE, U+FFFF), so that every export stays a valid workbook, the carriage return (line
 * breaks are stored as \n only, so that a text reads the same after any round trip), and the other
 * Unicode non-characters (U+FDD0–U+FDEF and the last two code points of every plane).
 */
const TEXT_FORBIDDEN: readonly Range[] = [
  [0x01, 0x08],
  // Vertical tab, form feed, carriage return and the rest of C0.
  [0x0b, 0x1f],
  [0xfdd0, 0xfdef],
  ...Array.from({ length: 17 }, (_, plane): Range => [plane * 0x10000 + 0xfffe, plane * 0x10000 + 0xffff]),
];

/** The bracket expression the database's check constraints use, as PostgreSQL reads it. */
export const TEXT_FORBIDDEN_SQL = `[${bracket(TEXT_FORBIDDEN, hex)}]`;
// NUL is in the JavaScript class too: PostgreSQL text cannot hold it, so the database never sees it.
const TEXT_FORBIDDEN_JS = new RegExp(`[\\u{0}${bracket(TEXT_FORBIDDEN, jsHex)}]`, 'u');

/** Line breaks as they are stored: \r\n (Windows) and a lone \r (old Mac) become \n. */
export const normalizeLineBreaks = (text: string) => text.replace(/\r\n?/g, '\n');

const codePoint = (char: string) => `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * Why a text (after normalizeLineBreaks) cannot be stored, in German, or undefined when it can.
 * Names the first offending character by its code point, since most of them are invisible.
 */
export function forbiddenCharacter(text: string): string | undefined {
  const found = TEXT_FORBIDDEN_JS.exec(text);
  if (!found) return undefined;
  const char = found[0];
  const kind = char.codePointAt(0)! < 0x20 ? 'das Steuerzeichen' : 'das Zeichen';
  return `enthält ${kind} ${codePoint(char)}, das Excel-Dateien nicht speichern können; bitte entfernen Sie es.`;
}
