export { consoleDirectory, consoleRoutes, type ConsoleRoutesOptions } from './consoleRoutes.js';
