import type { z } from 'zod';
import type { ImportResponseSchema, MultiImportResponseSchema } from '../../../server/routes/xlsx.ts';
import { ApiError, OFFLINE_TEXT } from './client.ts';

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export type ImportErgebnis = z.infer<typeof ImportResponseSchema>;
export type ImportZeile = ImportErgebnis['zeilen'][number];
/** One table of an uploaded file: its result, or why it was not taken over. */
export type ImportTabelle = z.infer<typeof MultiImportResponseSchema>['tabellen'][number];

export interface Datei {
  blob: Blob;
  name: string;
}

/** The name the server gives a file (Content-Disposition: attachment; filename="…"). */
function dateiname(header: string | null, fallback: string): string {
  return /filename="([^"]+)"/.exec(header ?? '')?.[1] ?? fallback;
}

async function fehler(status: number, body: Blob | string | null): Promise<ApiError> {
  const text = typeof body === 'string' ? body : body ? await body.text() : '';
  try {
    const { error } = JSON.parse(text) as { error: { code: string; message: string } };
    return new ApiError(status, error.code, error.message);
  } catch {
    return new ApiError(status, 'unknown', `Der Server antwortete mit Status ${status}.`);
  }
}

/**
 * The sheet files of the web app: the .xlsx export and the import of a filled file. XMLHttpRequest rather than
 * fetch, because only it reports how much of a request body has been sent (the upload's progress bar): fetch has
 * no upload progress event (https://developer.mozilla.org/docs/Web/API/XMLHttpRequestUpload/progress_event).
 */
export function createDateien(baseUrl: string, token: () => Promise<string | null>) {
  async function send(
    method: 'GET' | 'POST',
    path: string,
    { body, accept, onProgress }: { body?: Blob; accept: string; onProgress?: (sent: number, total: number) => void },
  ): Promise<XMLHttpRequest> {
    const value = await token();
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open(method, `${baseUrl}${path}`);
      xhr.responseType = 'blob';
      xhr.setRequestHeader('accept', accept);
      if (value) xhr.setRequestHeader('authorization', `Bearer ${value}`);
      if (body) xhr.setRequestHeader('content-type', XLSX_TYPE);
      if (onProgress) xhr.upload.onprogress = (event) => onProgress(event.loaded, event.total);
      xhr.onerror = () => reject(new ApiError(0, 'offline', OFFLINE_TEXT));
      xhr.onload = () => {
        if (xhr.status >= 200 && xhr.status < 300) resolve(xhr);
        else void fehler(xhr.status, xhr.response as Blob | null).then(reject);
      };
      xhr.send(body ?? null);
    });
  }

  return {
    /** GET /api/sheets/{kind}/export.xlsx: the sheet to fill without the add-in. */
    async herunterladen(kind: string, scope: string): Promise<Datei> {
      const xhr = await send('GET', `/api/sheets/${encodeURIComponent(kind)}/export.xlsx?scope=${encodeURIComponent(scope)}`, { accept: XLSX_TYPE });
      return { blob: xhr.response as Blob, name: dateiname(xhr.getResponseHeader('content-disposition'), `${kind}-${scope}.xlsx`) };
    },
    /**
     * POST /api/import: a file from OZG-Sync with one table or several, each taken over on its own. The server keys a
     * file's changes by its bytes, so sending the same file again, for the result as JSON or as the marked workbook,
     * applies nothing twice and gives the same answer.
     */
    async hochladen(datei: Blob, onProgress?: (sent: number, total: number) => void): Promise<ImportTabelle[]> {
      const xhr = await send('POST', '/api/import', { body: datei, accept: 'application/json', ...(onProgress ? { onProgress } : {}) });
      return (JSON.parse(await (xhr.response as Blob).text()) as { tabellen: ImportTabelle[] }).tabellen;
    },
    /** GET /api/reports/progress.xlsx: the progress workbook (tables, Verlauf with its chart), for a Themenfeld and Kreis or all. */
    async fortschritt(filter: { themenfeld?: string; kreis?: string; seit?: string }): Promise<Datei> {
      const query = new URLSearchParams(filter).toString();
      const xhr = await send('GET', `/api/reports/progress.xlsx${query ? `?${query}` : ''}`, { accept: XLSX_TYPE });
      return { blob: xhr.response as Blob, name: dateiname(xhr.getResponseHeader('content-disposition'), 'fortschritt.xlsx') };
    },
    /** POST /api/import for the marked workbook: every table taken over, each sheet marked, and the sheet Ergebnis. */
    async ergebnisMappe(datei: Blob): Promise<Datei> {
      const xhr = await send('POST', '/api/import', { body: datei, accept: XLSX_TYPE });
      return { blob: xhr.response as Blob, name: dateiname(xhr.getResponseHeader('content-disposition'), 'ergebnis.xlsx') };
    },
  };
}

export type Dateien = ReturnType<typeof createDateien>;

/** Hands a file to the browser's downloads, as a link with the download attribute would. */
export function speichern({ blob, name }: Datei) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoking at once can cancel the download before the browser has read the blob.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
