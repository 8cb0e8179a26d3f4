/**
 * Building DOM without HTML strings: every text goes in as a text node, so a device name or a
 * policy value can never become markup (no innerHTML anywhere in the console).
 */

/** @typedef {Node | string | number | null | undefined | false} Child */
/** @typedef {Child | ChildList} Children */
/** @typedef {Array<Child | Array<Child | Child[]>>} ChildList up to three levels deep: what the views build */
/** @typedef {Record<string, string | number | boolean | null | undefined | EventListener>} Attributes */

/**
 * An element with attributes (`on…` functions become listeners, `true` a bare attribute, `false`,
 * `null` and `undefined` nothing) and children (strings become text).
 *
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Attributes} [attributes]
 * @param {...Children} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.slice(2).toLowerCase(), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

/**
 * Appends children (nested lists flattened; strings and numbers as text).
 *
 * @param {Node} parent
 * @param {Children[]} children
 */
export function append(parent, children) {
  for (const child of children) {
    if (Array.isArray(child)) append(parent, child);
    else if (child === null || child === undefined || child === false) continue;
    else parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

/**
 * Replaces everything inside `parent`.
 *
 * @param {Node} parent
 * @param {...Children} children
 */
export function replace(parent, ...children) {
  while (parent.firstChild) parent.removeChild(parent.firstChild);
  append(parent, children);
}

/**
 * A status word as a badge whose colour says how good it is (and whose text says it anyway).
 *
 * @param {string} status
 * @param {string} [title]
 */
export function badge(status, title) {
  return h('span', { class: `badge tone-${toneOf(status)}`, title }, status);
}

/**
 * @param {string} status
 * @returns {'good' | 'bad' | 'wait' | 'none'}
 */
export function toneOf(status) {
  if (status === 'applied' || status === 'verified' || status === 'unverifiable' || status === 'compliant') return 'good';
  if (['failed', 'drifted', 'quarantined', 'not-removable', 'not compliant'].includes(status)) return 'bad';
  // A conflict is applied (the tie-break chose): a warning, like what is still under way.
  if (status === 'pending' || status === 'sent' || status === 'conflict') return 'wait';
  return 'none';
}
