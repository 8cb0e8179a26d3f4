export { main, usage } from './main.js';
export { CliError, type CliErrorCode } from './CliError.js';
export { processIo, type Io } from './Io.js';
