import { describe, expect, it } from 'vitest';
import { reservationsOf } from './journal.ts';

describe('reservationsOf', () => {
  it('takes running reservations from nodes and ended ones from the journal, the ended entry winning', () => {
    const ended = [{ node: 'n1', from: '2026-11-25T10:00:00.000Z', to: '2026-11-25T11:00:00.000Z' }];
    const running = [
      // Still labelled: the release journalled it but has not removed the labels yet.
      { node: 'n1', since: '2026-11-25T10:00:00Z' },
      { node: 'n2', since: '2026-11-25T10:30:00.000Z' },
    ];
    expect(reservationsOf(running, ended)).toEqual([
      { node: 'n1', from: '2026-11-25T10:00:00.000Z', to: '2026-11-25T11:00:00.000Z' },
      { node: 'n2', from: '2026-11-25T10:30:00.000Z' },
    ]);
  });
  it('keeps a later reservation of a node that was released before', () => {
    const ended = [{ node: 'n1', from: '2026-11-25T10:00:00.000Z', to: '2026-11-25T11:00:00.000Z' }];
    const again = reservationsOf([{ node: 'n1', since: '2026-11-25T12:00:00.000Z' }], ended);
    expect(again).toHaveLength(2);
  });
});
