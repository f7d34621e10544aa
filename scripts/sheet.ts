/**
 * Exports tables as .xlsx and sends a filled file back, for people who work without the add-in:
 *
 *   npm run sheet -- export --sheet kommune-status:05315000 --sheet kommune-status:05158 --out sammel.xlsx
 *   npm run sheet -- import sammel.xlsx [--out ergebnis.xlsx]
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { z } from 'zod';
import { AppError } from '../server/errors.ts';
import type { MultiImportResponseSchema } from '../server/routes/xlsx.ts';
import { checkScopeFormat } from '../server/sync/pull.ts';
import { SHEET_KINDS, sheetKind } from '../server/sync/sheets.ts';
import { XLSX_TYPE } from '../server/xlsx/export.ts';
import { readUploadBindings, type SlotBinding } from '../server/xlsx/import.ts';

const USAGE = `Aufruf:
  npm run sheet -- export --sheet <Tabellenart>:<Bereich> [--sheet …] [--out <Datei.xlsx>]
  npm run sheet -- export --kind <Tabellenart> --scope <Bereich> [--out <Datei.xlsx>]
  npm run sheet -- import <Datei.xlsx> [--out <Ergebnis.xlsx>]

Optionen:
  --sheet <Art:Bereich>  eine Tabelle; mehrmals angegeben kommen mehrere Tabellen in eine Datei, jede auf ein eigenes Blatt
  --kind, --scope        eine Tabelle als Tabellenart und Bereich (dasselbe wie --sheet <Tabellenart>:<Bereich>)
  --out <Datei>          wohin die Datei geschrieben wird (Export: sonst der Name, den der Server vorschlägt)
  --server <URL>         Adresse des Servers (sonst OZG_SYNC_URL, sonst http://localhost:3000)
  --token <Token>        Anmelde-Token (sonst OZG_SYNC_TOKEN)
  --email <E-Mail>       nur im lokalen Betrieb: ein Token für dieses Mitglied holen

Tabellenarten und ihre Bereiche:
  kommune-status      eine Kommune (AGS, z. B. 05315000), ein Kreis (Kreisschlüssel, z. B. 05158)
                      oder ein IT-Dienstleister (dl: und seine Nummer, z. B. dl:1)
  leistung-kommunen   eine Leistung in allen Kommunen (OZG-ID, z. B. 10177)
  leistung-status     ein Themenfeld (Nummer, z. B. 9)
  kommunaler-vollzug  ein Themenfeld (Nummer, z. B. 9)

Beispiel: npm run sheet -- export --sheet kommune-status:05158 --sheet leistung-kommunen:10177 --out mettmann.xlsx`;

/** An error the user can act on: printed as it is, without a stack trace. */
class Fehler extends Error {}

type MultiImportResponse = z.infer<typeof MultiImportResponseSchema>;

const { values: options, positionals } = (() => {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        sheet: { type: 'string', multiple: true },
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

/**
 * A request to the server; a refusal becomes a German message. `tabellen` names the tables the
 * request is about, so that a 401 or 403 says which table the member could not export or send.
 */
async function call(path: string, init: RequestInit = {}, tabellen?: string): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(`${server}${path}`, init);
  } catch (error) {
    throw new Fehler(`Der Server ${server} ist nicht erreichbar (${error instanceof Error ? (error.cause as Error | undefined)?.message ?? error.message : String(error)}). Läuft er? Adresse mit --server oder OZG_SYNC_URL angeben.`);
  }
  if (response.ok) return response;
  const body = (await response.json().catch(() => undefined)) as { error?: { message?: string } } | undefined;
  const context = tabellen && (response.status === 401 || response.status === 403) ? ` (${tabellen})` : '';
  throw new Fehler(`Der Server antwortet mit ${response.status}${context}: ${body?.error?.message ?? response.statusText}`);
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

/** The tables asked for, as Tabellenart:Bereich, checked here so that a typo needs neither token nor server. */
function requestedTables(): string[] {
  const { kind, scope } = options;
  if ((kind === undefined) !== (scope === undefined)) {
    throw new Fehler(`--kind und --scope gehören zusammen: es fehlt ${kind === undefined ? '--kind' : '--scope'}.\n\n${USAGE}`);
  }
  const tables = [...(kind !== undefined ? [`${kind}:${scope}`] : []), ...(options.sheet ?? [])];
  if (tables.length === 0) throw new Fehler(`Für den Export fehlt die Tabelle: --sheet <Tabellenart>:<Bereich> oder --kind und --scope.\n\n${USAGE}`);
  for (const table of tables) {
    const at = table.indexOf(':');
    if (at <= 0 || at === table.length - 1) {
      throw new Fehler(`„${table}“ ist keine Tabelle: erwartet wird Tabellenart:Bereich, z. B. kommune-status:05315000 oder leistung-kommunen:10177.`);
    }
    const name = table.slice(0, at);
    const sheet = sheetKind(name);
    if (!sheet) throw new Fehler(`Die Tabellenart „${name}“ (in „${table}“) gibt es nicht. Es gibt: ${Object.keys(SHEET_KINDS).join(', ')}.`);
    try {
      checkScopeFormat(sheet, table.slice(at + 1));
    } catch (error) {
      throw error instanceof AppError ? new Fehler(`${table}: ${error.message}`) : error;
    }
  }
  return tables;
}

async function save(out: string, bytes: Uint8Array): Promise<void> {
  await writeFile(out, bytes).catch((error: NodeJS.ErrnoException) => {
    throw new Fehler(`Die Datei ${out} lässt sich nicht schreiben (${error.code ?? error.message}).`);
  });
}

/** The name the server gives a file (Content-Disposition: attachment; filename="…"). */
const suggestedName = (response: Response) => /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1];

/** A table of a file as it is named in messages: its title and its sheet. */
const named = ({ binding }: SlotBinding) => `„${binding.title}“ (Blatt „${binding.dataSheet}“)`;

async function exportSheets(): Promise<number> {
  const tables = requestedTables();
  const query = new URLSearchParams(tables.map((table) => ['sheet', table]));
  const response = await call(`/api/export.xlsx?${query}`, { headers: { authorization: `Bearer ${await token()}` } }, tables.join(', '));
  const bytes = new Uint8Array(await response.arrayBuffer());
  const out = options.out ?? suggestedName(response) ?? 'ozg-sync.xlsx';
  await save(out, bytes);
  const next = `Ausfüllen (Blatt „Anleitung“ beachten), speichern und mit „npm run sheet -- import ${out}“ zurücksenden.`;
  if (tables.length === 1) {
    console.log(`Tabelle gespeichert: ${out}. ${next}`);
  } else {
    const bindings = await readUploadBindings(bytes);
    console.log(`${bindings.length} Tabellen gespeichert: ${out}, jede auf einem eigenen Blatt:`);
    for (const entry of bindings) console.log(`  ${named(entry)}`);
    console.log(next);
  }
  return 0;
}

const ERGEBNIS_TEXT = { Konflikt: 'Konflikt', abgelehnt: 'Abgelehnt', ungültig: 'Ungültig' } as const;

async function importFile(): Promise<number> {
  const [file] = positionals.slice(1);
  if (!file) throw new Fehler(`Welche Datei? npm run sheet -- import <Datei.xlsx>\n\n${USAGE}`);
  const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new Fehler(`Die Datei ${file} lässt sich nicht lesen (${error.code ?? error.message}).`);
  });
  // Read here as well: a file that is not OZG-Sync's is refused without a server, and a refusal names its tables.
  const bindings = await readUploadBindings(bytes);
  const several = bindings.length > 1;
  const tabellen = bindings.map(named).join(', ');
  const headers = { authorization: `Bearer ${await token()}`, 'content-type': XLSX_TYPE };
  const response = (await (await call('/api/import', { method: 'POST', headers, body: bytes }, tabellen)).json()) as MultiImportResponse;

  let unresolved = 0;
  for (const tabelle of response.tabellen) {
    const name = several ? `${tabelle.titel} (Blatt „${tabelle.blatt}“)` : tabelle.titel;
    const { anzahl, ergebnis } = tabelle;
    if (!anzahl || !ergebnis) {
      unresolved++;
      console.log(`${name}: nicht übernommen. ${tabelle.fehler?.message ?? ''}`.trimEnd());
      continue;
    }
    console.log(
      `${name}. Zeilen übernommen: ${anzahl.uebernommen}, unverändert: ${anzahl.unveraendert}, mit Konflikt: ${anzahl.konflikt}, abgelehnt: ${anzahl.abgelehnt}; ungültige Zellen: ${anzahl.ungueltig}.`,
    );
    // The server's lines, as on the Ergebnis sheet and in the web app; only those that need the member's attention.
    for (const zeile of ergebnis.zeilen) {
      if (zeile.ergebnis === 'übernommen') continue;
      const where = [...(several ? [`Blatt „${tabelle.blatt}“`] : []), ...(zeile.zeile === null ? [] : [`Zeile ${zeile.zeile}`]), zeile.leistung];
      console.log(`${ERGEBNIS_TEXT[zeile.ergebnis]}: ${where.join(', ')}, Spalte „${zeile.spalte}“, Wert „${zeile.wert || '(leer)'}“: ${zeile.meldung}`);
    }
    for (const hinweis of ergebnis.hinweise) console.log(`Hinweis: ${hinweis}`);
    unresolved += anzahl.konflikt + anzahl.abgelehnt + anzahl.ungueltig;
  }

  if (options.out) {
    // The same file again is the same push of each table (its key comes from its bytes): this only fetches the marked workbook.
    const marked = await call('/api/import', { method: 'POST', headers: { ...headers, accept: XLSX_TYPE }, body: bytes }, tabellen);
    await save(options.out, new Uint8Array(await marked.arrayBuffer()));
    console.log(`Die Datei mit markierten Zellen und dem neuen Stand: ${options.out}`);
  }
  if (unresolved > 0) console.error('Nicht alles wurde übernommen: bitte die markierten Zellen prüfen und die Datei erneut senden.');
  return unresolved > 0 ? 1 : 0;
}

async function main(): Promise<number> {
  const [command] = positionals;
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  if (command === 'export') return exportSheets();
  if (command === 'import') return importFile();
  throw new Fehler(`${command ? `Unbekannter Befehl „${command}“.` : 'Es fehlt der Befehl (export oder import).'}\n\n${USAGE}`);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Fehler || error instanceof AppError ? error.message : error);
    process.exit(1);
  },
);
