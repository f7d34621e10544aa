/**
 * Exports a sheet as .xlsx and sends a filled one back, for people who work without the add-in:
 *
 *   npm run sheet -- export --kind kommune-status --scope 05315000 --out koeln.xlsx
 *   npm run sheet -- import koeln.xlsx [--out ergebnis.xlsx]
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { AppError } from '../server/errors.ts';
import type { PushResponse } from '../core/contract.ts';
import { XLSX_TYPE } from '../server/xlsx/export.ts';
import { rowLabel } from '../core/hinweise.ts';
import { readSheetFile, type UngueltigeZelle, type UploadedSheet } from '../server/xlsx/import.ts';

const USAGE = `Aufruf:
  npm run sheet -- export --kind <Tabellenart> --scope <Bereich> [--out <Datei.xlsx>]
  npm run sheet -- import <Datei.xlsx> [--out <Ergebnis.xlsx>]

Optionen:
  --server <URL>    Adresse des Servers (sonst OZG_SYNC_URL, sonst http://localhost:3000)
  --token <Token>   Anmelde-Token (sonst OZG_SYNC_TOKEN)
  --email <E-Mail>  nur im lokalen Betrieb: ein Token für dieses Mitglied holen
Tabellenarten: kommune-status (Bereich: AGS, z. B. 05315000), leistung-status (Bereich: Themenfeld-Nummer, z. B. 9)`;

/** An error the user can act on: printed as it is, without a stack trace. */
class Fehler extends Error {}

type ImportResponse = PushResponse & { ungueltig: UngueltigeZelle[]; hinweise: string[] };

const { values: options, positionals } = (() => {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        kind: { type: 'string' },
        scope: { type: 'string' },
        out: { type: 'string' },
        server: { type: 'string' },
        token: { type: 'string' },
        email: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    const option = /'(-[^' ]+)/.exec(message)?.[1] ?? '';
    const german =
      code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
        ? `Unbekannte Option „${option}“.`
        : code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE'
          ? `Die Option „${option}“ braucht einen Wert.`
          : 'Ungültiger Aufruf.';
    console.error(`${german}\n\n${USAGE}`);
    process.exit(1);
  }
})();

const server = (options.server ?? process.env.OZG_SYNC_URL ?? 'http://localhost:3000').replace(/\/+$/, '');

async function call(path: string, init: RequestInit = {}): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(`${server}${path}`, init);
  } catch (error) {
    throw new Fehler(`Der Server ${server} ist nicht erreichbar (${error instanceof Error ? (error.cause as Error | undefined)?.message ?? error.message : String(error)}). Läuft er? Adresse mit --server oder OZG_SYNC_URL angeben.`);
  }
  if (response.ok) return response;
  const body = (await response.json().catch(() => undefined)) as { error?: { message?: string } } | undefined;
  throw new Fehler(`Der Server antwortet mit ${response.status}: ${body?.error?.message ?? response.statusText}`);
}

async function token(): Promise<string> {
  const given = options.token ?? process.env.OZG_SYNC_TOKEN;
  if (given) return given;
  if (!options.email) {
    throw new Fehler('Kein Anmelde-Token: bitte --token angeben oder OZG_SYNC_TOKEN setzen (im lokalen Betrieb genügt --email).');
  }
  const response = await call('/api/dev/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: options.email }),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

async function exportSheet(): Promise<number> {
  const { kind, scope } = options;
  if (!kind || !scope) throw new Fehler(`Für den Export fehlen --kind und --scope.\n\n${USAGE}`);
  const out = options.out ?? `${kind}-${scope}.xlsx`;
  const response = await call(`/api/sheets/${encodeURIComponent(kind)}/export.xlsx?${new URLSearchParams({ scope })}`, {
    headers: { authorization: `Bearer ${await token()}` },
  });
  await writeFile(out, new Uint8Array(await response.arrayBuffer()));
  console.log(`Tabelle gespeichert: ${out}. Ausfüllen (Blatt „Anleitung“ beachten), speichern und mit „npm run sheet -- import ${out}“ zurücksenden.`);
  return 0;
}

/** How a cell of the file is named in messages: its sheet row, its Leistung and its column. */
function where(upload: UploadedSheet, id: string, key: string): string {
  const { columns } = upload.binding;
  const line = upload.rows.find(({ row }) => row.id === id)?.line;
  const label = rowLabel(columns, upload.snapshot.get(id)?.values, id);
  const column = columns.find((c) => c.key === key)?.label ?? key;
  return `${line === undefined ? '' : `Zeile ${line}, `}${label}, Spalte „${column}“`;
}

const shown = (value: unknown) =>
  value === null || value === '' ? '(leer)' : Array.isArray(value) ? value.join('; ') : String(value);

async function importSheet(): Promise<number> {
  const [file] = positionals.slice(1);
  if (!file) throw new Fehler(`Welche Datei? npm run sheet -- import <Datei.xlsx>\n\n${USAGE}`);
  const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new Fehler(`Die Datei ${file} lässt sich nicht lesen (${error.code ?? error.message}).`);
  });
  // Read here as well, for the kind the file belongs to and to name rows in the messages.
  const upload = await readSheetFile(bytes);
  const path = `/api/sheets/${encodeURIComponent(upload.binding.kind)}/import`;
  const headers = { authorization: `Bearer ${await token()}`, 'content-type': XLSX_TYPE };
  const response = (await (await call(path, { method: 'POST', headers, body: bytes })).json()) as ImportResponse;

  const count = (outcome: string) => response.results.filter((result) => result.outcome === outcome).length;
  console.log(
    `${upload.binding.title}. Zeilen übernommen: ${count('applied')}, unverändert: ${count('unchanged')}, mit Konflikt: ${count('conflict')}, abgelehnt: ${count('rejected')}; ungültige Zellen: ${response.ungueltig.length}.`,
  );
  for (const result of response.results) {
    for (const konflikt of result.konflikte ?? []) {
      console.log(`Konflikt: ${where(upload, result.id, konflikt.key)}: auf dem Server „${shown(konflikt.theirs)}“, in der Datei „${shown(konflikt.mine)}“.`);
    }
    for (const error of result.errors ?? []) console.log(`Abgelehnt: ${where(upload, result.id, error.key)}: ${error.message}`);
  }
  for (const cell of response.ungueltig) console.log(`Ungültig: ${where(upload, cell.id, cell.key)}: ${cell.message}`);
  for (const hinweis of response.hinweise) console.log(`Hinweis: ${hinweis}`);

  if (options.out) {
    // The same file again is the same push (its key comes from its bytes): this only fetches the marked workbook.
    const marked = await call(path, { method: 'POST', headers: { ...headers, accept: XLSX_TYPE }, body: bytes });
    await writeFile(options.out, new Uint8Array(await marked.arrayBuffer()));
    console.log(`Die Datei mit markierten Zellen und dem neuen Stand: ${options.out}`);
  }
  const unresolved = count('conflict') + count('rejected') + response.ungueltig.length;
  if (unresolved > 0) console.error('Nicht alles wurde übernommen: bitte die markierten Zellen prüfen und die Datei erneut senden.');
  return unresolved > 0 ? 1 : 0;
}

async function main(): Promise<number> {
  const [command] = positionals;
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  if (command === 'export') return exportSheet();
  if (command === 'import') return importSheet();
  throw new Fehler(`${command ? `Unbekannter Befehl „${command}“.` : 'Es fehlt der Befehl (export oder import).'}\n\n${USAGE}`);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Fehler || error instanceof AppError ? error.message : error);
    process.exit(1);
  },
);
