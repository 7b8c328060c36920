import { describe, expect, it } from 'vitest';
import { AbortScope } from './abort-scope.js';

describe('AbortScope', () => {
  it('aborts with its parent, with the parent reason, until disposed', () => {
    const parent = new AbortController();
    const a = new AbortScope(parent.signal);
    const b = new AbortScope(parent.signal);
    b.dispose();
    parent.abort('why');
    expect(a.signal.aborted).toBe(true);
    expect(a.signal.reason).toBe('why');
    expect(b.signal.aborted).toBe(false);
  });

  it('starts aborted under an aborted parent, and aborts alone without touching the parent', () => {
    const done = new AbortController();
    done.abort('over');
    expect(new AbortScope(done.signal).signal.reason).toBe('over');
    const parent = new AbortController();
    const child = new AbortScope(parent.signal);
    child.abort();
    expect(parent.signal.aborted).toBe(false);
    child.dispose();
  });

  it('leaves nothing registered on the parent once disposed', () => {
    const parent = new AbortController();
    let calls = 0;
    const add = parent.signal.addEventListener.bind(parent.signal);
    const remove = parent.signal.removeEventListener.bind(parent.signal);
    parent.signal.addEventListener = (...args: Parameters<typeof add>) => (calls++, add(...args));
    parent.signal.removeEventListener = (...args: Parameters<typeof remove>) => (calls--, remove(...args));
    for (let i = 0; i < 1000; i++) new AbortScope(parent.signal).dispose();
    expect(calls).toBe(0);
  });
});
