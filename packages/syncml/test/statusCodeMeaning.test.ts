import { expect, test } from 'vitest';
import { StatusCodes, statusCodeMeaning } from '../src/index.js';

test('every status code Windows uses has a meaning of its own', () => {
  const meanings = Object.values(StatusCodes).map((code) => statusCodeMeaning(code));
  expect(meanings.every((m) => typeof m === 'string' && m.length > 0)).toBe(true);
  expect(new Set(meanings).size).toBe(meanings.length);
  expect(statusCodeMeaning(404)).toBe('node not found');
  expect(statusCodeMeaning(418)).toBe('already exists');
  expect(statusCodeMeaning(500)).toBe('command failed');
});

test('other codes are described by their class, and non-codes not at all', () => {
  expect(statusCodeMeaning(409)).toBe('refused by the device (409)');
  expect(statusCodeMeaning(503)).toBe('failed on the device (503)');
  expect(statusCodeMeaning(204)).toBe('success (204)');
  expect(statusCodeMeaning(0)).toBeUndefined();
  expect(statusCodeMeaning(600)).toBeUndefined();
  expect(statusCodeMeaning(404.5)).toBeUndefined();
});
