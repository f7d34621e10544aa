import { MemoryHost } from '../helpers/memory-host.ts';

/** Loaded into the page before the task pane: the workbook it talks to instead of Excel. */
const host = new MemoryHost();
Object.assign(window, { ozgSyncHost: host, ozgStandIn: host });
