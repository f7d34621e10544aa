/**
 * The review and progress API as the add-in sees it. The wire format is the server's
 * (server/review/contract.ts): type-only imports, erased from the bundle, so that a change of the
 * contract fails the add-in's type check.
 */
import type { z } from 'zod';
import type {
  ChangesQuerySchema,
  ChangesResponse,
  ProgressQuerySchema,
  ReviewRequestSchema,
  ReviewResponseSchema,
  RevertRequestSchema,
  RevertResponse,
  TrendQuerySchema,
} from '../../../server/review/contract.ts';

export type {
  Aenderung,
  ChangesResponse,
  ProgressResponse,
  ProgressTable,
  ProtokollArt,
  RevertResponse,
  TrendResponse,
} from '../../../server/review/contract.ts';
export type { Reifegradmodell } from '../../../server/review/reifegrade.ts';

export type ChangesQuery = z.input<typeof ChangesQuerySchema>;
export type ReviewRequest = z.input<typeof ReviewRequestSchema>;
export type ReviewResponse = z.output<typeof ReviewResponseSchema>;
export type RevertRequest = z.input<typeof RevertRequestSchema>;
export type ProgressQuery = z.input<typeof ProgressQuerySchema>;
export type TrendQuery = z.input<typeof TrendQuerySchema>;

/** One push of the change log (or one transaction without a push, e.g. from SQL), with its cells. */
export type Sendevorgang = ChangesResponse['pushes'][number];
export type Quelle = Sendevorgang['quelle'];
export type RevertOutcome = RevertResponse['entries'][number];
