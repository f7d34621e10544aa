import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname });

/** The boundary messages `npm run lint` gives for `code` placed at `file`. */
async function boundaryErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: file });
  return result!.messages.filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports').map((m) => m.message);
}

describe('The import boundaries between core/, server/ and addin/', () => {
  it('refuse a server file importing the add-in', async () => {
    const errors = await boundaryErrors('server/xlsx/new.ts', "import { diffTable } from '../../addin/src/app/diff.ts';\nexport const d = diffTable;\n");
    expect(errors).toEqual([expect.stringContaining('Der Server und core/ importieren nichts aus addin/')]);
  });

  it('refuse even a type-only import of the add-in from the server', async () => {
    const errors = await boundaryErrors('server/routes/new.ts', "import type { WorkbookHost } from '../../addin/src/app/host.ts';\nexport type H = WorkbookHost;\n");
    expect(errors).toHaveLength(1);
  });

  it('refuse an add-in file importing values from the server, but let it import types', async () => {
    const value = await boundaryErrors('addin/src/ui/New.tsx', "import { SHEET_KINDS } from '../../../server/sync/sheets.ts';\nexport const k = SHEET_KINDS;\n");
    expect(value).toEqual([expect.stringContaining('nur Typen (import type)')]);
    const type = await boundaryErrors('addin/src/api/new.ts', "import type { ApiRoutes } from '../../../server/routes/index.ts';\nexport type R = ApiRoutes;\n");
    expect(type).toEqual([]);
  });

  it('refuse core/ importing either side or a Node module', async () => {
    expect(await boundaryErrors('core/new.ts', "import type { Caller } from '../server/auth/caller.ts';\nexport type C = Caller;\n")).toHaveLength(1);
    expect(await boundaryErrors('core/new.ts', "import { excelHost } from '../addin/src/excel/host.ts';\nexport const h = excelHost;\n")).toHaveLength(1);
    expect(await boundaryErrors('core/new.ts', "import { createHash } from 'node:crypto';\nexport const c = createHash;\n")).toHaveLength(1);
    expect(await boundaryErrors('core/new.ts', "import fs from 'fs';\nexport const f = fs;\n")).toHaveLength(1);
  });

  it('let core/ import its own modules and libraries, and both sides import core/', async () => {
    expect(await boundaryErrors('core/new.ts', "import { z } from '@hono/zod-openapi';\nimport { DATE_LIMITS } from './columns.ts';\nexport const x = [z, DATE_LIMITS];\n")).toEqual([]);
    expect(await boundaryErrors('server/sync/new.ts', "import { checkValue } from '../../core/values.ts';\nexport const c = checkValue;\n")).toEqual([]);
    expect(await boundaryErrors('addin/src/excel/new.ts', "import { diffTable } from '../../../core/diff.ts';\nexport const d = diffTable;\n")).toEqual([]);
  });
});
