/**
 * The process entry of the `winmdm` command: runs {@link main} with the process's arguments and
 * streams and exits with its code.
 */
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
