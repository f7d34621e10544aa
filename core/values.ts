import { forbiddenCharacter, normalizeLineBreaks, URL_PATTERN } from './rules.ts';
import { DATE_LIMITS, type Column } from './columns.ts';

export type CellValue = string | number | boolean | string[] | null;

export type Checked = { ok: true; value: CellValue } | { ok: false; message: string };

export type CheckableColumn = Pick<Column, 'key' | 'label' | 'type' | 'required' | 'maxLength' | 'range' | 'values'>;
export type RowColumn = Pick<Column, 'key' | 'label' | 'rangeBy'>;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function isCalendarDate(text: string): boolean {
  const match = ISO_DATE.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

const quote = (value: unknown) => {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return `„${text.length > 60 ? `${text.slice(0, 57)}…` : text}“`;
};

/**
 * Checks a value a client wants to store against its column and returns it in its stored form
 * (empty text becomes null, an empty enum[] stays []), or a German message saying what is wrong.
 * These are the same rules the database's constraints enforce; here they become per-cell errors.
 */
export function checkValue(column: CheckableColumn, raw: unknown): Checked {
  const label = `„${column.label}“`;
  const empty = raw === null || raw === undefined || (typeof raw === 'string' && raw.trim() === '');
  if (column.type === 'enum[]' && (raw === null || raw === undefined)) return { ok: true, value: [] };
  if (empty) {
    return column.required ? { ok: false, message: `${label} darf nicht leer sein.` } : { ok: true, value: null };
  }

  switch (column.type) {
    case 'text':
    case 'url': {
      if (typeof raw !== 'string') return { ok: false, message: `${label} erwartet einen Text.` };
      // Stored with \n only, so that a text compares equal after any round trip through Excel or a file.
      const text = normalizeLineBreaks(raw);
      const forbidden = forbiddenCharacter(text);
      if (forbidden) return { ok: false, message: `${label} ${forbidden}` };
      if (column.maxLength !== undefined && [...text].length > column.maxLength) {
        return { ok: false, message: `${label} darf höchstens ${column.maxLength} Zeichen lang sein.` };
      }
      if (column.type === 'url' && !URL_PATTERN.test(text)) {
        return { ok: false, message: `${quote(text)} ist keine gültige Internetadresse (http:// oder https://).` };
      }
      return { ok: true, value: text };
    }
    case 'number': {
      if (typeof raw !== 'number' || !Number.isFinite(raw)) return { ok: false, message: `${label} erwartet eine Zahl.` };
      if (!Number.isInteger(raw)) return { ok: false, message: `${label} erwartet eine ganze Zahl.` };
      if (column.range && (raw < column.range[0] || raw > column.range[1])) {
        return { ok: false, message: `${label} muss zwischen ${column.range[0]} und ${column.range[1]} liegen.` };
      }
      return { ok: true, value: raw };
    }
    case 'boolean':
      if (typeof raw !== 'boolean') return { ok: false, message: `${label} erwartet ja oder nein (true/false).` };
      return { ok: true, value: raw };
    case 'date':
      if (typeof raw !== 'string' || !isCalendarDate(raw)) {
        return { ok: false, message: `${quote(raw)} ist kein gültiges Datum (JJJJ-MM-TT).` };
      }
      if (raw < DATE_LIMITS.min || raw > DATE_LIMITS.max) {
        return { ok: false, message: `${label} muss zwischen ${DATE_LIMITS.min.slice(0, 4)} und ${DATE_LIMITS.max.slice(0, 4)} liegen.` };
      }
      return { ok: true, value: raw };
    case 'enum': {
      // A column without a vocabulary is one an old workbook describes; the server always sends it.
      if (typeof raw !== 'string' || (column.values && !column.values.includes(raw))) {
        return { ok: false, message: `${quote(raw)} ist für ${label} nicht erlaubt. Erlaubt: ${column.values?.join(', ')}.` };
      }
      return { ok: true, value: raw };
    }
    case 'enum[]': {
      if (!Array.isArray(raw) || !raw.every((item) => typeof item === 'string')) {
        return { ok: false, message: `${label} erwartet eine Liste von Texten.` };
      }
      const unknown = column.values && raw.find((item) => !column.values!.includes(item));
      if (unknown !== undefined) {
        return { ok: false, message: `${quote(unknown)} ist für ${label} nicht erlaubt. Erlaubt: ${column.values?.join(', ')}.` };
      }
      if (new Set(raw).size !== raw.length) return { ok: false, message: `${label} enthält einen Eintrag doppelt.` };
      return { ok: true, value: raw };
    }
  }
}

/** The value as the server would store it, or the raw value when it is not storable (for comparisons only). */
export function normalize(column: CheckableColumn, raw: unknown): unknown {
  const checked = checkValue({ ...column, required: false }, raw);
  return checked.ok ? checked.value : raw;
}

export function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => item === b[i]);
  return a === b;
}

/**
 * Rules across the cells of one row, on the row as it would be stored: each column with a range
 * depending on another cell (the Reifegrad on its Reifegradmodell) within that range.
 */
export function checkRow(columns: readonly RowColumn[], values: Record<string, unknown>): { key: string; message: string }[] {
  return columns.flatMap(({ key, label, rangeBy }) => {
    const value = values[key];
    if (!rangeBy || typeof value !== 'number') return [];
    const by = values[rangeBy.key];
    const model = typeof by === 'string' && Object.hasOwn(rangeBy.ranges, by) ? by : rangeBy.fallback;
    const [min, max] = rangeBy.ranges[model]!;
    if (value >= min && value <= max) return [];
    const byLabel = columns.find((column) => column.key === rangeBy.key)?.label ?? rangeBy.key;
    return [{ key, message: `${label} ${value} gibt es im ${byLabel} ${model} nicht (erlaubt: ${min} bis ${max}).` }];
  });
}
