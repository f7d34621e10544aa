import type { LoadHook } from 'node:module';

const MERGE = '/core/merge.ts';
/**
 * The condition under which mergeChange writes a cell: the server still holds what the client based its change on.
 * Matched in what tsx hands on, which has lost the source's white space.
 */
const VERSION_CHECK = /if\s*\(\s*serverUnchanged\s*\)/g;

/**
 * Rewrites merge.ts as it loads so that every sent cell is written, whatever the server holds now: the bug the
 * concurrency check must catch. Fails loudly when the line is gone, so that a refactoring of merge.ts cannot
 * leave this test checking an intact build.
 */
export const load: LoadHook = async (url, context, nextLoad) => {
  const loaded = await nextLoad(url, context);
  if (!url.endsWith(MERGE)) return loaded;
  const source = typeof loaded.source === 'string' ? loaded.source : new TextDecoder().decode(loaded.source);
  if (source.match(VERSION_CHECK)?.length !== 1) {
    throw new Error(`Kaputter Build: „if (serverUnchanged)“ steht nicht genau einmal in ${MERGE}; bitte tests/reliability/broken-build/hooks.ts anpassen.`);
  }
  return { ...loaded, source: source.replace(VERSION_CHECK, 'if (true)') };
};
