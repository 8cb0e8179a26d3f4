/**
 * The process entry of the `winmdm` command: runs {@link main} with the process's arguments and
 * streams and exits with its code.
 */
import { main } from './main.js';

// A reader that stops reading (`winmdm openapi | head`) is not a failure of the command: the
// rest of the output has nowhere to go, and `serve` keeps serving. Without a listener the EPIPE
// would end the process with a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});

process.exitCode = await main(process.argv.slice(2));
