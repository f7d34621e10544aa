/**
 * Writes a copy of manifest.xml for a deployed server:
 *   npm run manifest -- --url https://ozg.example.org [--out dist/manifest.xml]
 * The checked-in manifest points at the local development server; Office must load every page, icon and
 * link of the add-in from the origin the administrators roll out, so all of them move together.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

export const DEV_ORIGIN = 'https://localhost:3000';
const MANIFEST = fileURLToPath(new URL('../manifest.xml', import.meta.url));
const EXAMPLE = 'Beispiel: --url https://ozg.example.org';

export class ManifestUrlError extends Error {}

/**
 * The origin (scheme, host, port) of `url`. Rejects what Office would not load and what would change the manifest
 * beyond its URLs.
 */
export function parseOrigin(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ManifestUrlError(`„${url}“ ist keine gültige Adresse. ${EXAMPLE}`);
  }
  if (parsed.protocol !== 'https:') {
    throw new ManifestUrlError(
      `„${url}“ beginnt nicht mit https://: Office lädt Add-ins nur über HTTPS. ${EXAMPLE}`,
    );
  }
  if (parsed.pathname !== '/' || parsed.search || parsed.hash || parsed.username || parsed.password) {
    throw new ManifestUrlError(
      `„${url}“ enthält mehr als Protokoll, Host und Port: Das Add-in liegt immer unter /addin des Servers. ` +
        EXAMPLE,
    );
  }
  // The WHATWG parser lets characters such as & and " through in host names; they would break the XML.
  if (!/^([a-z0-9-]+\.)*[a-z0-9-]+$|^\[[0-9a-f:.]+\]$/.test(parsed.hostname)) {
    throw new ManifestUrlError(`„${url}“ enthält Zeichen, die in keinem Hostnamen vorkommen. ${EXAMPLE}`);
  }
  return parsed.origin;
}

export function rewriteManifest(xml: string, url: string): string {
  return xml.replaceAll(DEV_ORIGIN, parseOrigin(url));
}

function main(): void {
  let values: { url?: string; out: string };
  try {
    ({ values } = parseArgs({
      options: { url: { type: 'string' }, out: { type: 'string', default: 'dist/manifest.xml' } },
    }));
  } catch {
    throw new ManifestUrlError(`Aufruf: npm run manifest -- --url https://… [--out dist/manifest.xml]`);
  }
  if (!values.url) throw new ManifestUrlError(`Bitte die Adresse des Servers angeben. ${EXAMPLE}`);
  const xml = rewriteManifest(readFileSync(MANIFEST, 'utf8'), values.url);
  const out = path.resolve(values.out);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, xml);
  console.log(`Manifest für ${values.url} geschrieben: ${out}`);
  console.log('Verteilen: Microsoft 365 Admin Center → Einstellungen → Integrierte Apps → Benutzerdefinierte Apps hochladen (README, „Verteilen“).');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    main();
  } catch (error) {
    if (!(error instanceof ManifestUrlError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}
