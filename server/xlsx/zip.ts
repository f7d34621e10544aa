import { SaxesParser, type SaxesTagPlain } from 'saxes';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { badRequest } from '../errors.ts';

/**
 * An upload's zip archive, read without trusting it: the central directory only says what the
 * entries are; what they unpack to is counted as it is produced, and reading stops at a cap.
 * yauzl checks each entry's bytes against the size its directory declares (validateEntrySizes,
 * "ensures that an entry's reported uncompressed size matches its actual uncompressed size",
 * yauzl README) and stops as soon as more come; the counting here holds even without that.
 */
export class UploadZip {
  private constructor(
    private readonly zip: ZipFile,
    readonly entries: Map<string, Entry>,
  ) {}

  static async open(bytes: Uint8Array, notZip: string): Promise<UploadZip> {
    let zip: ZipFile;
    const entries = new Map<string, Entry>();
    try {
      zip = await yauzl.fromBufferPromise(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
        lazyEntries: true,
        validateEntrySizes: true,
        strictFileNames: false,
      });
      for await (const entry of zip.eachEntry()) entries.set(entry.fileName, entry);
    } catch {
      throw badRequest(notZip);
    }
    return new UploadZip(zip, entries);
  }

  /** What the directory declares for all entries together: a cheap first check, not a bound. */
  declaredSize(): number {
    let total = 0;
    for (const entry of this.entries.values()) total += entry.uncompressedSize;
    return total;
  }

  /**
   * Streams an entry through `consume` until it returns false (enough read) or the entry ends.
   * More than `limit` bytes produced is the error `tooLarge` (a 400); damaged data is `damaged`.
   */
  async stream(name: string, limit: number, consume: (chunk: Buffer) => boolean, errors: { tooLarge: string; damaged: string }): Promise<number> {
    const entry = this.entries.get(name);
    if (!entry) return 0;
    if (entry.uncompressedSize > limit) throw badRequest(errors.tooLarge);
    let stream;
    try {
      stream = await this.zip.openReadStreamPromise(entry);
    } catch {
      throw badRequest(errors.damaged);
    }
    let produced = 0;
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        produced += chunk.length;
        if (produced > limit) throw badRequest(errors.tooLarge);
        if (!consume(chunk)) break;
      }
    } catch (error) {
      if (error instanceof Error && error.name === 'AppError') throw error;
      // yauzl's "too many bytes in the stream" is a directory that understates the entry.
      throw badRequest(error instanceof Error && /too many bytes/.test(error.message) ? errors.tooLarge : errors.damaged);
    } finally {
      stream.destroy();
    }
    return produced;
  }

  close() {
    this.zip.close();
  }
}

/**
 * Feeds XML text to a SAX parser chunk by chunk; `handler` returns true once it has what it
 * needs, which stops the inflation of the rest of the entry.
 */
export async function scanXml(
  zip: UploadZip,
  name: string,
  limit: number,
  handlers: (parser: SaxesParser, done: () => void) => void,
  errors: { tooLarge: string; damaged: string },
): Promise<void> {
  const parser = new SaxesParser();
  let finished = false;
  let failed = false;
  parser.on('error', () => {
    failed = true;
  });
  handlers(parser, () => {
    finished = true;
  });
  const decoder = new TextDecoder();
  await zip.stream(
    name,
    limit,
    (chunk) => {
      parser.write(decoder.decode(chunk, { stream: true }));
      if (failed) throw badRequest(errors.damaged);
      return !finished;
    },
    errors,
  );
}

export type { SaxesTagPlain };
