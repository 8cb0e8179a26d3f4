import { nearestName } from './nearestName.js';

/** The roots of a Windows management tree that a LocURI can start with (after `./`). */
const ROOTS = ['Device', 'User', 'Vendor', 'DevDetail', 'DevInfo', 'SyncML', 'cimv2'];

/**
 * What is wrong with an OMA-URI as a LocURI of a Windows device's management tree, or undefined
 * when nothing is: it must start with `./` and a known root (`./Device/Vendor/`, `./User/Vendor/`,
 * `./Vendor/`, `./DevDetail/`, `./DevInfo/`, `./SyncML/`, `./cimv2/`; `Device` and `User` in any
 * case), name at least one node below it, and have no empty segment, no surrounding whitespace and
 * no control character. A misspelt root is named with the one it resembles. Such a URI can never
 * address a node, so a value under it is never sent.
 *
 * @example
 * ```ts
 * omaUriProblem('./Devic/Vendor/MSFT/Policy/Config/Camera/AllowCamera');
 * // '"Devic" is not a root of the management tree (did you mean "./Device/"?)'
 * omaUriProblem('./Vendor/MSFT/Policy/Config/Camera/AllowCamera'); // undefined
 * ```
 */
export function omaUriProblem(uri: string): string | undefined {
  if (uri.trim() !== uri) return 'it has leading or trailing whitespace';
  if (/[\u0000-\u001f\u007f]/.test(uri)) return 'it holds a control character';
  if (!uri.startsWith('./')) return 'it does not start with "./"';
  const segments = uri.slice(2).split('/');
  if (segments.some((s) => s === '')) return 'it has an empty segment ("//" or a trailing "/")';
  const [root = '', next] = segments;
  const known = ROOTS.find((r) => r === root || ((r === 'Device' || r === 'User') && r.toLowerCase() === root.toLowerCase()));
  if (known === undefined) {
    const near = nearestName(root, ROOTS);
    return `"${root}" is not a root of the management tree${near === undefined ? ` (${ROOTS.map((r) => `./${r}/`).join(', ')})` : ` (did you mean "./${near}/"?)`}`;
  }
  if (segments.length < 2) return `it names no node below ./${known}/`;
  if ((known === 'Device' || known === 'User') && next !== 'Vendor') {
    const near = nearestName(next ?? '', ['Vendor']);
    return `./${known}/ is followed by Vendor/, not "${next ?? ''}"${near === undefined ? '' : ' (a misspelling?)'}`;
  }
  if ((known === 'Device' || known === 'User' || known === 'Vendor') && segments.length < (known === 'Vendor' ? 3 : 4)) {
    return `it names no node below the vendor (./${segments.join('/')})`;
  }
  return undefined;
}
