import fc from 'fast-check';
import { expect, it } from 'vitest';
import { forbiddenCharacter, TEXT_FORBIDDEN_SQL, URL_PATTERN, URL_PATTERN_SOURCE } from '../../../core/rules.ts';
import { SHEET_KINDS } from '../../../server/sync/sheets.ts';
import { describeEachDatabase } from '../../helpers/databases.ts';
import { inRollback } from '../../helpers/rls.ts';
import { BAD_URLS, brokenWebAddress, GOOD_URLS, webAddress } from '../../helpers/urls.ts';

/** Texts on both sides of every edge of the rules: Unicode spaces, non-characters, planes, line breaks. */
const TEXTS = [
  'Ganz normal, äöü ß €',
  'Zwei\nZeilen',
  'Mit\tTab',
  'Windows\r\nZeilenende',
  'Altes\rMac',
  'a\u0001b',
  'a\u001fb',
  'a\u007fb',
  'a\u0085b',
  'a\u00a0b',
  'a\ufdcfb',
  'a\ufdd0b',
  'a\ufdefb',
  'a\ufdf0b',
  'a\ufffdb',
  'a\ufffeb',
  'a\uffffb',
  'a\u{1fffd}b',
  'a\u{1fffe}b',
  'a\u{10fffd}b',
  'a\u{10ffff}b',
  '👩‍👩‍👧‍👦',
];

const URLS = [
  'https://www.stadt-koeln.de/service',
  'http://köln.de/bürgerbüro?x=1#a',
  'https://www.stadt-koeln.de/\u0085',
  'https://www.stadt-koeln.de/\u00a0',
  'https://www.stadt-koeln.de/a b',
  'https://www.stadt-koeln.de/\u2007',
  'https://www.stadt-koeln.de/\u3000',
  'https://www.stadt-koeln.de/\ufeff',
  'https://www.stadt-koeln.de/\u200b',
  'https://localhost/',
  'ftp://stadt-koeln.de',
  'HTTPS://stadt-koeln.de',
];

/** The editable text columns of every sheet kind, by table: what the check constraints must cover. */
const TEXT_COLUMNS = Object.values(SHEET_KINDS).flatMap((sheet) =>
  sheet.columns.filter((c) => c.editable && (c.type === 'text' || c.type === 'url')).map((c) => ({ table: sheet.table, column: c.key })),
);

describeEachDatabase('One rule for text and web addresses in the API and the database', ({ db }) => {
  it('the database refuses exactly the texts the API refuses', async () => {
    for (const text of TEXTS) {
      const [row] = await db().query<{ refused: boolean }>(`select $1 ~ '${TEXT_FORBIDDEN_SQL}' as refused`, [text]);
      expect({ text, refused: row!.refused }).toEqual({ text, refused: forbiddenCharacter(text) !== undefined });
    }
  });

  it('the database accepts exactly the web addresses the API accepts', async () => {
    for (const url of URLS) {
      const [row] = await db().query<{ ok: boolean }>(`select $1 ~ '${URL_PATTERN_SOURCE}' as ok`, [url]);
      expect({ url, ok: row!.ok }).toEqual({ url, ok: URL_PATTERN.test(url) });
    }
  });

  it('every editable text column has a check with the shared character rule, and every URL column the shared pattern', async () => {
    const checks = await db().query<{ tabelle: string; def: string }>(
      `select conrelid::regclass::text as tabelle, pg_get_constraintdef(oid) as def from pg_constraint
       where contype = 'c' and connamespace = 'public'::regnamespace`,
    );
    const on = (table: string) => checks.filter((c) => c.tabelle === table || c.tabelle === `public.${table}`).map((c) => c.def);
    for (const { table, column } of TEXT_COLUMNS) {
      expect(on(table).some((def) => def.includes(`(${column} !~ '${TEXT_FORBIDDEN_SQL}'`)), `${table}.${column}`).toBe(true);
    }
    const urlChecks = checks.filter((c) => c.def.includes('url ~'));
    expect(urlChecks.map((c) => c.tabelle).sort()).toEqual(['it_dienstleister', 'kommune', 'kommune_status']);
    for (const check of urlChecks) expect(check.def).toContain(`url ~ '${URL_PATTERN_SOURCE}'`);
  });

  it('a direct write in SQL cannot store a carriage return, U+FFFE or a URL with U+0085 either', async () => {
    const [row] = await db().query<{ id: string }>(`select id from public.kommune_status where ags = '05315000' limit 1`);
    for (const [column, value] of [
      ['bemerkung', 'Zeile\r\nZeile'],
      ['bemerkung', 'a\ufffeb'],
      ['ansprechperson', 'a\u{10ffff}'],
      ['url', 'https://www.stadt-koeln.de/\u0085'],
    ] as const) {
      await expect(db().query(`update public.kommune_status set ${column} = $1 where id = $2`, [value, row!.id]), column).rejects.toMatchObject({
        code: '23514',
      });
    }
  });

  it('a URL column stores every web address with http(s), a host with a dot and no space or control character, and no other', async () => {
    await inRollback(db(), async (tx) => {
      const [row] = await tx.query<{ id: string }>(`select id from public.kommune_status where ags = '05315000' limit 1`);
      const stores = async (url: string) => {
        await tx.exec('savepoint url');
        try {
          await tx.query('update public.kommune_status set url = $1 where id = $2', [url, row!.id]);
          return true;
        } catch (error) {
          if ((error as { code?: string }).code === '23514') return false;
          throw error;
        } finally {
          await tx.exec('rollback to savepoint url');
        }
      };
      for (const url of GOOD_URLS) expect({ url, stored: await stores(url) }).toEqual({ url, stored: true });
      for (const url of BAD_URLS) expect({ url, stored: await stores(url) }).toEqual({ url, stored: false });
      await fc.assert(fc.asyncProperty(webAddress, async (url) => {
        expect({ url, stored: await stores(url) }).toEqual({ url, stored: true });
      }), { numRuns: 100 });
      // NUL is left out: PostgreSQL text cannot hold it at all, whatever the check says.
      const broken = brokenWebAddress.filter((url) => !url.includes('\u0000'));
      await fc.assert(fc.asyncProperty(broken, async (url) => {
        expect({ url, stored: await stores(url) }).toEqual({ url, stored: false });
      }), { numRuns: 100 });
    });
  });
});
