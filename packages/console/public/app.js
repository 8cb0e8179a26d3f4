import { currentToken, forgetToken } from './api.js';
import { renderDevice } from './deviceView.js';
import { renderDevices } from './devicesView.js';
import { h, replace } from './dom.js';
import { parseRoute } from './format.js';
import { renderPolicies } from './policiesView.js';
import { renderPolicy } from './policyView.js';
import { renderSignIn } from './signInView.js';

/**
 * The console's shell: sign-in, the navigation, and the page of the location hash
 * (`#/devices`, `#/devices/{id}`, `#/policies`, `#/policies/{id}`). Hash routing keeps every page
 * one file on the server and every view bookmarkable.
 */

const main = /** @type {HTMLElement} */ (document.getElementById('main'));
const signOut = /** @type {HTMLButtonElement} */ (document.getElementById('sign-out'));
const nav = /** @type {HTMLElement} */ (document.getElementById('nav'));

/** The render in progress: a page whose data arrives after the admin moved on must not replace the newer one. */
let generation = 0;

/** @param {string} [message] */
function showSignIn(message) {
  // A page still loading (its token just refused) must not cover the form.
  generation++;
  signOut.hidden = true;
  nav.hidden = true;
  document.title = 'Sign in · winmdm console';
  renderSignIn(main, { ...(message !== undefined ? { message } : {}), onSignedIn: () => void render() });
}

async function render() {
  if (!currentToken()) return showSignIn();
  const mine = ++generation;
  signOut.hidden = false;
  nav.hidden = false;
  const route = parseRoute(location.hash);
  for (const link of nav.querySelectorAll('a')) {
    const section = link.getAttribute('data-section');
    if (section === (route.view === 'device' || route.view === 'devices' ? 'devices' : 'policies')) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  main.setAttribute('aria-busy', 'true');
  if (main.querySelector('h1') === null) replace(main, h('p', { class: 'muted', role: 'status' }, 'Loading…'));
  // Each page is built in its own element and shown when its data is in.
  const view = h('div', { class: 'view' });
  try {
    if (route.view === 'device' && route.id !== undefined) await renderDevice(view, route.id, route.query);
    else if (route.view === 'policy' && route.id !== undefined) await renderPolicy(view, route.id, route.query);
    else if (route.view === 'policies') await renderPolicies(view);
    else await renderDevices(view, route.query);
  } catch (error) {
    replace(view, h('p', { class: 'error', role: 'alert' }, `Something went wrong: ${error instanceof Error ? error.message : String(error)}`));
  }
  if (mine !== generation) return;
  replace(main, view);
  main.querySelector('.focus')?.scrollIntoView({ block: 'center' });
  const heading = main.querySelector('h1');
  document.title = `${heading?.textContent ?? 'winmdm'} · winmdm console`;
  // Move focus to the new page, as a page load would, so screen readers and keyboards follow.
  if (!main.contains(document.activeElement) || document.activeElement === document.body) main.focus({ preventScroll: true });
  main.setAttribute('aria-busy', 'false');
}

signOut.addEventListener('click', () => {
  forgetToken();
  showSignIn('Signed out.');
});
window.addEventListener('winmdm:signed-out', (event) => showSignIn(`Signed out: ${/** @type {CustomEvent<string>} */ (event).detail}`));
window.addEventListener('hashchange', () => {
  // The skip link (#main) is not a page.
  if (location.hash.startsWith('#/') || location.hash === '') void render();
});
void render();
