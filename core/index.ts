export type {
  BaseRow,
  CellAddress,
  CellError,
  CellUpdate,
  CellValue,
  Column,
  ColumnType,
  ExcelValue,
  Konflikt,
  PullResponse,
  PushChange,
  PushOutcome,
  PushRequest,
  PushResponse,
  PushResult,
  PushSource,
  SheetRow,
  Snapshot,
  TableRow,
  ZellFehler,
  ZellKonflikt,
} from './types.ts';
export { LIST_SEPARATOR, cellText, fromCell, numberFormat, readCell, sameCellValue, shownValue, toCell, valueAt, type ParsedCell } from './cells.ts';
export { diffTable, type TableDiff } from './diff.ts';
export { expandPull } from './pull-rows.ts';
export { ADDIN_PUSH_LIMITS, chunkChanges, type Chunk, type ChunkLimits } from './chunk.ts';
export {
  applyPushResults,
  emptyState,
  keepMine,
  mergePull,
  takeTheirs,
  type SyncState,
  type TableUpdate,
} from './state.ts';
export { rowHints, rowLabel, type RowHintInput } from './hinweise.ts';
