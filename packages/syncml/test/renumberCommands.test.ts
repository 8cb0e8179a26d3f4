import { expect, test } from 'vitest';
import { renumberCommands, type Command } from '@winmdm/syncml';

test('renumberCommands numbers commands and nested ones in document order, without touching its input', () => {
  const input: Command[] = [
    { kind: 'Replace', cmdId: 1, items: [] },
    { kind: 'Atomic', cmdId: 1, commands: [{ kind: 'Add', cmdId: 1, items: [] }, { kind: 'Exec', cmdId: 1, items: [] }] },
    { kind: 'Get', cmdId: 1, items: [] },
  ];
  const out = renumberCommands(input, 5);
  expect(out.map((c) => c.cmdId)).toEqual([5, 6, 9]);
  expect(out[1]?.kind === 'Atomic' ? out[1].commands.map((c) => c.cmdId) : []).toEqual([7, 8]);
  expect(input.map((c) => c.cmdId)).toEqual([1, 1, 1]);
});
