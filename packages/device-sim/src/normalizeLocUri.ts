/**
 * The key under which the device model stores a node. Windows treats `./Vendor/MSFT/...` as
 * `./Device/Vendor/MSFT/...` and reads the `./Device/` and `./User/` scopes in any letter case;
 * the rest of a LocURI is case-sensitive (DESIGN §4). A trailing `/` names the same node.
 * Internal to the package.
 */
export function normalizeLocUri(locUri: string): string {
  let uri = locUri.length > 2 && locUri.endsWith('/') ? locUri.slice(0, -1) : locUri;
  if (uri.startsWith('./Vendor/')) return `./Device${uri.slice(1)}`;
  const head = uri.slice(0, 9).toLowerCase();
  if (head === './device/' && !uri.startsWith('./Device/')) uri = `./Device/${uri.slice(9)}`;
  else if (head.startsWith('./user/') && !uri.startsWith('./User/')) uri = `./User/${uri.slice(7)}`;
  return uri;
}

/** Whether `uri` is `prefix` itself or a node below it (both normalised). */
export function isAtOrBelow(uri: string, prefix: string): boolean {
  return uri === prefix || (uri.length > prefix.length && uri.startsWith(prefix) && uri.charCodeAt(prefix.length) === 47);
}
