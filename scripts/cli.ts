import { ConfigError } from '../server/config.ts';
import { MigrationError } from '../server/db/migrate.ts';
import { DatabaseInUseError } from '../server/db/server-lock.ts';

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * Runs a command-line entry point: its result is the exit code; an error the user can act on (a bad setting,
 * a changed migration, a database held by a running server, or one of the command's own) is printed as its
 * German message with exit code 2 instead of a stack trace.
 */
export async function runCli(main: () => Promise<number>, ownErrors: ErrorClass[] = []): Promise<void> {
  try {
    process.exitCode = await main();
  } catch (error) {
    if ([ConfigError, MigrationError, DatabaseInUseError, ...ownErrors].some((known) => error instanceof known)) {
      console.error((error as Error).message);
      process.exitCode = 2;
    } else {
      throw error;
    }
  }
}
