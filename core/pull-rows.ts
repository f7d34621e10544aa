import type { ArrayRow, PullArraysResponse, PullResponse } from './contract.ts';
import type { CellValue } from './values.ts';

// Without zod: the add-in's bundle imports this, and the contract only as types.

/** The rows of a pull answered as lists, as the objects of the default format. */
export function expandPull({ rowFormat: _, rows, ...pull }: PullArraysResponse): PullResponse {
  const keys = pull.columns.map((column) => column.key);
  return { ...pull, rows: rows.map((row) => expandRow(keys, row)) };
}

function expandRow(keys: readonly string[], row: ArrayRow): PullResponse['rows'][number] {
  // A loop rather than Object.fromEntries(map(…)): no pair arrays per cell, several times faster for
  // the 2,430 rows of a Kreis sheet.
  const values: Record<string, CellValue> = {};
  for (let i = 0; i < keys.length; i++) values[keys[i]!] = (row[i + 3] as CellValue | undefined) ?? null;
  const [id, version, readOnly] = row;
  return readOnly ? { id, version, values, readOnly } : { id, version, values };
}
