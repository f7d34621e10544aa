import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ImportFile } from './files.ts';

export class ImportPathError extends Error {
  override name = 'ImportPathError';
}

const isCatalogueFile = (name: string) => /\.(csv|xlsx)$/i.test(name);
const isHidden = (relative: string) => relative.split(path.sep).some((part) => part.startsWith('.'));

/**
 * The files named, and the CSV and xlsx files in the folders named, with their subfolders, so that
 * ../shared/data finds every catalogue file. Names are relative to the working directory.
 */
export async function collectImportFiles(targets: string[]): Promise<ImportFile[]> {
  const files: ImportFile[] = [];
  for (const target of targets) {
    const info = await stat(target).catch(() => {
      throw new ImportPathError(`${target} gibt es nicht.`);
    });
    if (info.isFile()) {
      files.push({ name: path.relative(process.cwd(), target), content: await readFile(target) });
      continue;
    }
    const found = (await readdir(target, { withFileTypes: true, recursive: true }))
      .filter((entry) => entry.isFile() && isCatalogueFile(entry.name))
      .map((entry) => path.join(entry.parentPath, entry.name))
      .filter((file) => !isHidden(path.relative(target, file)))
      .sort();
    for (const file of found) {
      files.push({ name: path.relative(process.cwd(), file), content: await readFile(file), fromFolder: true });
    }
  }
  return files;
}
