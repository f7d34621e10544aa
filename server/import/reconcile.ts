import type { KdnKommune } from './rows.ts';

/**
 * KDN's hand-typed list of municipalities against the official Gemeindeverzeichnis: exact on a
 * normalised name, then on the name without its official additions, then a conservative fuzzy
 * match. Every fuzzy match and every name left over is reported; nothing is guessed silently.
 */

export interface AmtlicheKommune {
  ags: string;
  name: string;
}

export type Zuordnungsart = 'exakt' | 'ohne Zusatz' | 'ähnlich';

export interface Zuordnung {
  kdn: KdnKommune;
  kommune: AmtlicheKommune;
  art: Zuordnungsart;
  /** Edit distance of the fuzzy match (0 otherwise). */
  abstand: number;
}

export interface NichtZugeordnet {
  kdn: KdnKommune;
  grund: string;
}

export interface Abgleich {
  zugeordnet: Zuordnung[];
  nichtZugeordnet: NichtZugeordnet[];
  /** Official municipalities no KDN entry was matched to. */
  ohneEintrag: AmtlicheKommune[];
}

/** Case, umlauts and ß, punctuation, and the ", Stadt" of official names do not tell names apart. */
export function normaliseName(name: string): string {
  return name
    .trim()
    .replace(/,\s*stadt\s*$/i, '')
    .toLowerCase()
    .replaceAll('ä', 'ae')
    .replaceAll('ö', 'oe')
    .replaceAll('ü', 'ue')
    .replaceAll('ß', 'ss')
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/**
 * The name without the additions of the official list that people leave out: epithets after a
 * comma ("Solingen, Klingenstadt"), brackets ("Halle (Westf.)"), "/Ruhr", "am Rhein", "an der Ruhr".
 */
export function coreName(name: string): string {
  const core = name
    .split(',')[0]!
    .replace(/\([^)]*\)/g, ' ')
    .split('/')[0]!
    .replace(/\s+(am|an der)\s+\S+$/i, '');
  return normaliseName(core);
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours. */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** Two typos in a short name make another town ("Enger" and "Ense"), so short names allow one. */
const maxDistance = (name: string) => (name.length <= 5 ? 1 : 2);

const RANG: Record<Zuordnungsart, number> = { exakt: 0, 'ohne Zusatz': 1, ähnlich: 2 };

function index(kommunen: AmtlicheKommune[], key: (name: string) => string) {
  const map = new Map<string, AmtlicheKommune[]>();
  for (const kommune of kommunen) {
    const k = key(kommune.name);
    map.set(k, [...(map.get(k) ?? []), kommune]);
  }
  return map;
}

const label = (k: AmtlicheKommune) => `${k.name} (${k.ags})`;

type Treffer = Omit<Zuordnung, 'kdn'> | { grund: string };

function match(
  entry: KdnKommune,
  kommunen: AmtlicheKommune[],
  full: Map<string, AmtlicheKommune[]>,
  core: Map<string, AmtlicheKommune[]>,
): Treffer {
  const exact = full.get(normaliseName(entry.name)) ?? [];
  if (exact.length === 1) return { kommune: exact[0]!, art: 'exakt', abstand: 0 };
  const name = coreName(entry.name);
  const byCore = core.get(name) ?? [];
  if (byCore.length === 1) return { kommune: byCore[0]!, art: 'ohne Zusatz', abstand: 0 };
  if (exact.length > 1 || byCore.length > 1) {
    return { grund: `mehrdeutig: ${[...exact, ...byCore].map(label).join(', ')}` };
  }
  const ranked = kommunen
    .map((kommune) => ({ kommune, abstand: Math.min(editDistance(name, coreName(kommune.name)), editDistance(name, normaliseName(kommune.name))) }))
    .sort((a, b) => a.abstand - b.abstand);
  const best = ranked[0];
  if (!best) return { grund: 'keine amtliche Kommune zum Vergleich' };
  const tied = ranked.filter((r) => r.abstand === best.abstand);
  const nearest = `nächste: ${tied.slice(0, 3).map((r) => label(r.kommune)).join(', ')}, Abstand ${best.abstand}`;
  if (best.abstand > maxDistance(name)) return { grund: `kein ähnlicher Name (${nearest})` };
  if (tied.length > 1) return { grund: `nicht eindeutig (${nearest})` };
  return { kommune: best.kommune, art: 'ähnlich', abstand: best.abstand };
}

export function reconcileKommunen(kdn: KdnKommune[], kommunen: AmtlicheKommune[]): Abgleich {
  const full = index(kommunen, normaliseName);
  const core = index(kommunen, coreName);
  const zugeordnet: Zuordnung[] = [];
  const nichtZugeordnet: NichtZugeordnet[] = [];
  for (const entry of kdn) {
    const found = match(entry, kommunen, full, core);
    if ('grund' in found) nichtZugeordnet.push({ kdn: entry, grund: found.grund });
    else zugeordnet.push({ kdn: entry, ...found });
  }

  // One entry per municipality: a better match wins, equally good ones are all left over.
  const byAgs = new Map<string, Zuordnung[]>();
  for (const z of zugeordnet) byAgs.set(z.kommune.ags, [...(byAgs.get(z.kommune.ags) ?? []), z]);
  const eindeutig: Zuordnung[] = [];
  for (const candidates of byAgs.values()) {
    const sorted = [...candidates].sort((a, b) => RANG[a.art] - RANG[b.art] || a.abstand - b.abstand);
    const [first, second] = sorted as [Zuordnung, ...Zuordnung[]];
    if (!second || RANG[first.art] < RANG[second.art] || first.abstand < second.abstand) {
      eindeutig.push(first);
      for (const z of sorted.slice(1)) {
        nichtZugeordnet.push({ kdn: z.kdn, grund: `${label(z.kommune)} hat schon einen Eintrag („${first.kdn.name}“, Zeile ${first.kdn.zeile})` });
      }
    } else {
      const names = sorted.map((z) => `„${z.kdn.name}“`).join(', ');
      for (const z of sorted) nichtZugeordnet.push({ kdn: z.kdn, grund: `mehrere Einträge passen gleich gut zu ${label(z.kommune)}: ${names}` });
    }
  }
  eindeutig.sort((a, b) => a.kdn.zeile - b.kdn.zeile);
  nichtZugeordnet.sort((a, b) => a.kdn.zeile - b.kdn.zeile);
  const matched = new Set(eindeutig.map((z) => z.kommune.ags));
  return { zugeordnet: eindeutig, nichtZugeordnet, ohneEintrag: kommunen.filter((k) => !matched.has(k.ags)) };
}
