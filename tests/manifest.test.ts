import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { OfficeAddinManifest, type ManifestInfo } from 'office-addin-manifest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIN_EXCEL_API } from '../addin/src/office/requirements.ts';
import { DEV_ORIGIN, ManifestUrlError, parseOrigin, rewriteManifest } from '../scripts/manifest.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const MANIFEST = path.join(ROOT, 'manifest.xml');
const VALIDATE = path.join(ROOT, 'scripts/validate-manifest.sh');
const SCHEMAS = path.join(ROOT, '../shared/schemas/office-addin-manifest');
const SCHEMAS_SKIPPED = `übersprungen: die XSD-Schemas fehlen (${SCHEMAS})`;
if (!existsSync(SCHEMAS)) console.warn(`Manifest-Prüfung gegen XSD ${SCHEMAS_SKIPPED}.`);

/** URLs Office loads or links to; namespace names look like URLs but are never fetched. */
function urlsIn(xml: string): string[] {
  return [...xml.replace(/\sxmlns(:\w+)?="[^"]*"/g, '').matchAll(/https?:\/\/[^"<\s]+/g)].map((m) => m[0]);
}

function resourceUrl(xml: string, id: string): string | undefined {
  return new RegExp(`<bt:(?:Image|Url) id="${id.replace(/\./g, '\\.')}" DefaultValue="([^"]+)"`).exec(xml)?.[1];
}

function run(script: string, args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(script, args, (error, _stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stderr });
    });
  });
}

let xml: string;
let info: ManifestInfo;
let tmp: string;

beforeAll(async () => {
  xml = await readFile(MANIFEST, 'utf8');
  info = await OfficeAddinManifest.readManifestFile(MANIFEST);
  tmp = await mkdtemp(path.join(os.tmpdir(), 'ozg-manifest-'));
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('manifest.xml', () => {
  it('describes a task-pane add-in for Excel and no other Office application', () => {
    expect(info.officeAppType).toBe('TaskPaneApp');
    expect(info.hosts).toEqual(['Workbook']);
    const ribbonHosts = [...xml.matchAll(/<Host xsi:type="(\w+)"/g)].map((m) => m[1]);
    expect(ribbonHosts).toEqual(['Workbook']);
  });

  it('keeps its Id, because Office treats a manifest with another Id as a different add-in', () => {
    expect(info.id).toBe('1e89be5d-fee5-4ad1-b962-2cddf019f78c');
  });

  it('speaks German by default: de-DE, a German name and a German description', () => {
    expect(info.defaultLocale).toBe('de-DE');
    expect(info.displayName).toBe('OZG-Sync');
    expect(info.providerName).toBe('OZG-Sync');
    expect(info.description).toMatch(/^Gleicht OZG-Umsetzungstabellen in Excel mit dem zentralen OZG-Katalog NRW ab/);
    expect(xml).toContain('DefaultValue="OZG-Sync öffnen"');
  });

  it('asks for read and write access to the workbook, which fetching and sending tables needs', () => {
    expect(info.permissions).toBe('ReadWriteDocument');
  });

  it('requires ExcelApi 1.8 and nothing newer, so it installs in Excel 2019 and later', () => {
    const requirements = /<Requirements>([\s\S]*?)<\/Requirements>/.exec(xml)?.[1] ?? '';
    expect(requirements).toContain('<Sets DefaultMinVersion="1.8">');
    expect([...requirements.matchAll(/<Set [^>]*\/>/g)].map((m) => m[0])).toEqual([
      '<Set Name="ExcelApi" MinVersion="1.8"/>',
    ]);
  });

  it('loads every page, icon and link from one origin, the local development server', () => {
    const urls = urlsIn(xml);
    expect(urls.length).toBeGreaterThanOrEqual(10);
    for (const url of urls) expect(new URL(url).origin, url).toBe(DEV_ORIGIN);
    expect(info.appDomains).toEqual([DEV_ORIGIN]);
    expect(info.defaultSettings?.sourceLocation).toBe(`${DEV_ORIGIN}/addin/taskpane.html`);
  });

  it('sends users who look for help to the German help page, not to the API reference', async () => {
    expect(info.supportUrl).toBe(`${DEV_ORIGIN}/hilfe`);
    expect(resourceUrl(xml, 'GetStarted.LearnMoreUrl')).toBe(`${DEV_ORIGIN}/hilfe`);
    const hilfe = await readFile(path.join(ROOT, 'addin/public/hilfe.html'), 'utf8');
    expect(hilfe).toContain('<html lang="de">');
    expect(hilfe).toContain('<title>OZG-Sync: Hilfe</title>');
    expect(hilfe).toMatch(/Anmelden[\s\S]*Mit Microsoft anmelden/);
  });

  it('requires the ExcelApi set the task pane checks for at start, so both say the same to users', () => {
    expect(xml).toContain(`<Set Name="ExcelApi" MinVersion="${MIN_EXCEL_API}"/>`);
  });

  it('opens the same task pane from the ribbon button as from the add-in list', () => {
    expect(xml).toMatch(/<OfficeTab id="TabHome">/);
    expect(xml).toMatch(/<TaskpaneId>ButtonId1<\/TaskpaneId>\s*<SourceLocation resid="Taskpane.Url"\/>/);
    expect(resourceUrl(xml, 'Taskpane.Url')).toBe(info.defaultSettings?.sourceLocation);
  });

  it('names only icons that exist in addin/public/assets with the size Office asks for', async () => {
    const asked = [
      { size: 32, url: info.iconUrl },
      { size: 64, url: info.highResolutionIconUrl },
      ...[...xml.matchAll(/<bt:Image size="(\d+)" resid="([^"]+)"\/>/g)].map((m) => ({
        size: Number(m[1]),
        url: resourceUrl(xml, m[2]!),
      })),
    ];
    expect(asked.length).toBeGreaterThan(2);
    for (const { size, url } of asked) {
      const file = path.join(ROOT, 'addin/public', new URL(url!).pathname.replace(/^\/addin\//, ''));
      const png = await readFile(file);
      expect(png.subarray(1, 4).toString('latin1'), file).toBe('PNG');
      expect([png.readUInt32BE(16), png.readUInt32BE(20)], file).toEqual([size, size]);
    }
  });
});

describe('npm run manifest', () => {
  const origin = 'https://ozg.example.org';

  it('moves every URL of the manifest to the given origin and leaves no localhost behind', async () => {
    const rewritten = rewriteManifest(xml, origin);
    expect(rewritten).not.toContain('localhost');
    expect(urlsIn(rewritten)).toEqual(urlsIn(xml).map((url) => url.replace(DEV_ORIGIN, origin)));

    const copy = path.join(tmp, 'rewritten.xml');
    await writeFile(copy, rewritten);
    const moved = await OfficeAddinManifest.readManifestFile(copy);
    expect(moved.appDomains).toEqual([origin]);
    expect(moved.defaultSettings?.sourceLocation).toBe(`${origin}/addin/taskpane.html`);
    expect(moved.iconUrl).toBe(`${origin}/addin/assets/icon-32.png`);
    expect(moved.id).toBe(info.id);
  });

  it('changes nothing but the origin of the URLs', () => {
    expect(rewriteManifest(xml, origin).replaceAll(origin, DEV_ORIGIN)).toBe(xml);
  });

  it('keeps a port and drops a trailing slash', () => {
    expect(parseOrigin('https://ozg.example.org:8443/')).toBe('https://ozg.example.org:8443');
    expect(rewriteManifest(xml, 'https://ozg.example.org:8443/')).toContain(
      '<AppDomain>https://ozg.example.org:8443</AppDomain>',
    );
  });

  it('rejects http:// in German, because Office loads add-ins only over HTTPS', () => {
    expect(() => rewriteManifest(xml, 'http://ozg.example.org')).toThrow(ManifestUrlError);
    expect(() => rewriteManifest(xml, 'http://ozg.example.org')).toThrow(
      '„http://ozg.example.org“ beginnt nicht mit https://: Office lädt Add-ins nur über HTTPS.',
    );
  });

  it.each(['https://ozg.example.org/ozg-sync', 'https://ozg.example.org/?stage=test', 'https://ozg.example.org/#x'])(
    'rejects %s in German, because the add-in always lives under /addin of the server',
    (url) => {
      expect(() => rewriteManifest(xml, url)).toThrow(ManifestUrlError);
      expect(() => rewriteManifest(xml, url)).toThrow(`„${url}“ enthält mehr als Protokoll, Host und Port`);
    },
  );

  it('rejects text that is no address, and host names that would break the XML, in German', () => {
    expect(() => parseOrigin('ozg.example.org')).toThrow('„ozg.example.org“ ist keine gültige Adresse.');
    expect(() => parseOrigin('https://a&b.example.org')).toThrow('enthält Zeichen, die in keinem Hostnamen vorkommen');
  });
});

describe('scripts/validate-manifest.sh', () => {
  it('skips with a clear message and exit code 0 where the XSD schemas are absent', async () => {
    const elsewhere = path.join(tmp, 'checkout/scripts');
    await mkdir(elsewhere, { recursive: true });
    await copyFile(VALIDATE, path.join(elsewhere, 'validate-manifest.sh'));
    const result = await run(path.join(elsewhere, 'validate-manifest.sh'), [MANIFEST]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('Manifest-Prüfung übersprungen: Die XSD-Schemas fehlen');
  });

  const schemasLabel = `against the XSD schemas${existsSync(SCHEMAS) ? '' : ` (${SCHEMAS_SKIPPED})`}`;
  describe.skipIf(!existsSync(SCHEMAS))(schemasLabel, () => {
    it('accepts manifest.xml', async () => {
      expect(await run(VALIDATE, [])).toEqual({ code: 0, stderr: expect.stringContaining('validates') });
    });

    it('accepts the copy that npm run manifest writes for a deployment', async () => {
      const copy = path.join(tmp, 'deployed.xml');
      await writeFile(copy, rewriteManifest(xml, 'https://ozg.example.org'));
      expect((await run(VALIDATE, [copy])).code).toBe(0);
    });

    it.each([
      [
        'a permission the schema does not know',
        '<Permissions>ReadWriteDocument</Permissions>',
        '<Permissions>Alles</Permissions>',
      ],
      ['a ribbon button without its action', /<Action xsi:type="ShowTaskpane">[\s\S]*?<\/Action>/, ''],
      ['no DefaultSettings', /<DefaultSettings>[\s\S]*?<\/DefaultSettings>/, ''],
    ])('rejects a copy with %s', async (_case, search, replacement) => {
      const broken = xml.replace(search, replacement);
      expect(broken).not.toBe(xml);
      const copy = path.join(tmp, 'broken.xml');
      await writeFile(copy, broken);
      const result = await run(VALIDATE, [copy]);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('fails to validate');
    });
  });
});
