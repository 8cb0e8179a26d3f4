import { api, ApiError, keepToken } from './api.js';
import { h, replace } from './dom.js';

/**
 * The sign-in form: an API token, checked against the API before it is kept (in this tab's
 * session storage only).
 *
 * @param {HTMLElement} main
 * @param {{ message?: string, onSignedIn: () => void }} options
 */
export function renderSignIn(main, options) {
  const error = h('p', { class: 'error', id: 'sign-in-error', role: 'alert' }, options.message ?? '');
  const input = h('input', {
    id: 'token',
    name: 'token',
    type: 'password',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
    'aria-describedby': 'token-help sign-in-error',
  });
  const button = h('button', { type: 'submit' }, 'Sign in');
  const form = h(
    'form',
    { class: 'sign-in', 'aria-labelledby': 'sign-in-title' },
    h('h1', { id: 'sign-in-title' }, 'Sign in to the winmdm console'),
    h('label', { for: 'token' }, 'API token'),
    input,
    h(
      'p',
      { id: 'token-help', class: 'help' },
      'The console calls the management API with this token and shows what it may read. It stays in this browser tab only (session storage) and is forgotten when the tab closes.',
    ),
    button,
    error,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const token = input.value.trim();
    if (token === '') return;
    button.disabled = true;
    error.textContent = '';
    try {
      // The cheapest authenticated read.
      await api('GET', '/mdm/windows/devices?limit=1', { token });
      keepToken(token);
      options.onSignedIn();
    } catch (e) {
      // A token without device.read is still a token: 403 signs in, and each page says what it lacks.
      if (e instanceof ApiError && e.status === 403) {
        keepToken(token);
        options.onSignedIn();
        return;
      }
      error.textContent = e instanceof ApiError && e.status === 401 ? 'The server does not know this token.' : e instanceof Error ? e.message : String(e);
      button.disabled = false;
      input.focus();
    }
  });
  replace(main, form);
  input.focus();
}
