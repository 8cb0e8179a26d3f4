import type { Command } from './SyncMLMessage.js';

/**
 * Gives commands consecutive CmdIDs starting at `first` (commands inside `Atomic` and `Sequence`
 * included, in document order), returning new commands. A message's CmdIDs must be unique, and a
 * server puts its Statuses first, so planned commands are numbered when a message is composed.
 *
 * @example
 * ```ts
 * const body = [...statuses, ...renumberCommands(planned, statuses.length + 1)];
 * ```
 */
export function renumberCommands(commands: readonly Command[], first: number): Command[] {
  let next = first;
  const renumber = (command: Command): Command => {
    const cmdId = next++;
    if (command.kind === 'Atomic' || command.kind === 'Sequence') {
      return { ...command, cmdId, commands: command.commands.map(renumber) };
    }
    return { ...command, cmdId };
  };
  return commands.map(renumber);
}
