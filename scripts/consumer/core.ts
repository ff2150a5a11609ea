import { type Clock, createDeadline, type Deadline, type Random, seededRandom, VirtualClock } from '@palisade/core';

const clock: Clock = new VirtualClock({ now: 0 });
const deadline: Deadline = createDeadline(100, { clock });
const random: Random = seededRandom(1);
const remaining: number = deadline.remaining() * random();
// @ts-expect-error the options are typed: `now` is a number
new VirtualClock({ now: 'zero' });

export { remaining };
