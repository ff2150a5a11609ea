import { describe, expect, it } from 'vitest';
import { LazyEmitters } from './lazy-emitters.js';

interface Events {
  open: { id: number };
  close: undefined;
}

describe('LazyEmitters', () => {
  it('nobody hears an event before it is subscribed to, and emitting it then does nothing', () => {
    const emitters = new LazyEmitters<Events>();
    expect(emitters.heard('open')).toBe(false);
    expect(() => emitters.emit('open', { id: 1 })).not.toThrow();
  });

  it('delivers to subscribers, and heard() follows subscriptions', () => {
    const emitters = new LazyEmitters<Events>();
    const onOpen = emitters.on('open');
    const heard: number[] = [];
    const subscription = onOpen((event) => heard.push(event.id));
    expect(emitters.heard('open')).toBe(true);
    expect(emitters.heard('close')).toBe(false);
    emitters.emit('open', { id: 7 });
    subscription.dispose();
    expect(emitters.heard('open')).toBe(false);
    emitters.emit('open', { id: 8 });
    expect(heard).toEqual([7]);
  });

  it('each event has one emitter, however often on() is called', () => {
    const emitters = new LazyEmitters<Events>();
    const heard: string[] = [];
    emitters.on('close')(() => heard.push('a'));
    emitters.on('close')(() => heard.push('b'));
    emitters.emit('close', undefined);
    expect(heard).toEqual(['a', 'b']);
  });
});
