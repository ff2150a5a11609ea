import { DeadlineExceededError, isPalisadeError, PalisadeError } from '@palisade/core';
import { BrokenCircuitError, isBrokenCircuitError, TaskCancelledError } from 'cockatiel';
import { describe, expect, it } from 'vitest';
import {
  AttemptTimeoutError,
  CallDeadlineExceededError,
  EmptyEndpointSetError,
  EndpointRemovedError,
  NoHealthyEndpointError,
  RetryBudgetExhaustedError,
  RouterClosedError,
} from './errors.js';

describe('errors', () => {
  it.each([
    [new EmptyEndpointSetError(), 'ERR_PALISADE_ROUTER_NO_ENDPOINTS', 'EmptyEndpointSetError'],
    [new NoHealthyEndpointError([]), 'ERR_PALISADE_ROUTER_NO_HEALTHY_ENDPOINT', 'NoHealthyEndpointError'],
    [
      new RetryBudgetExhaustedError(new Error('x'), []),
      'ERR_PALISADE_ROUTER_BUDGET_EXHAUSTED',
      'RetryBudgetExhaustedError',
    ],
    [new CallDeadlineExceededError(100, []), 'ERR_PALISADE_DEADLINE_EXCEEDED', 'CallDeadlineExceededError'],
    [new AttemptTimeoutError('a', 50), 'ERR_PALISADE_ROUTER_ATTEMPT_TIMEOUT', 'AttemptTimeoutError'],
    [new EndpointRemovedError('a'), 'ERR_PALISADE_ROUTER_ENDPOINT_REMOVED', 'EndpointRemovedError'],
    [new RouterClosedError(), 'ERR_PALISADE_ROUTER_CLOSED', 'RouterClosedError'],
  ])('%s has a stable code and is a PalisadeError', (error, code, name) => {
    expect(error.code).toBe(code);
    expect(error.name).toBe(name);
    expect(error).toBeInstanceOf(PalisadeError);
    expect(isPalisadeError(error)).toBe(true);
    expect(error.message.length).toBeGreaterThan(20);
  });

  it('keep existing cockatiel catch blocks working', () => {
    const noHealthy = new NoHealthyEndpointError([{ endpoint: 'a', reason: 'ejected', retryAfter: 5 }]);
    expect(noHealthy).toBeInstanceOf(BrokenCircuitError);
    expect(isBrokenCircuitError(noHealthy)).toBe(true);
    const deadline = new CallDeadlineExceededError(100, []);
    expect(deadline).toBeInstanceOf(DeadlineExceededError);
    expect(deadline).toBeInstanceOf(TaskCancelledError);
    expect(new AttemptTimeoutError('a', 50)).toBeInstanceOf(TaskCancelledError);
  });

  it('say what happened and what to do', () => {
    const noHealthy = new NoHealthyEndpointError([
      { endpoint: 'a', reason: 'ejected', retryAfter: 1_200 },
      { endpoint: 'b', reason: 'unhealthy', retryAfter: 0 },
      { endpoint: 'c', reason: 'probing', retryAfter: 0 },
      { endpoint: 'd', reason: 'tried', retryAfter: 0 },
    ]);
    expect(noHealthy.message).toContain('a (ejected for 1200 ms more), b (failing its health checks)');
    expect(noHealthy.message).toContain('d (already tried by this call)');
    expect(noHealthy.retryAfter).toBe(0);
    expect(new NoHealthyEndpointError([]).retryAfter).toBe(0);
    const deadline = new CallDeadlineExceededError(250, [
      { endpoint: 'a', attempt: 1, kind: 'first', outcome: 'failed', startedAt: 0, duration: 10 },
      { endpoint: 'b', attempt: 2, kind: 'retry', outcome: 'timed-out', startedAt: 40, duration: 210 },
    ]);
    expect(deadline.message).toBe(
      "The call's deadline of 250 ms passed after 2 attempts (a: failed, b: timed-out). Raise `timeout`, or look at why the endpoints are slow.",
    );
    expect(new AttemptTimeoutError('a', 50).message).toBe(
      'The attempt on endpoint "a" ran past its attemptTimeout of 50 ms. Raise `attemptTimeout`, or look at why the endpoints are slow.',
    );
    expect(
      new AttemptTimeoutError('b', 50, [
        { endpoint: 'a', attempt: 1, kind: 'first', outcome: 'failed', startedAt: 0, duration: 10 },
        { endpoint: 'b', attempt: 2, kind: 'retry', outcome: 'timed-out', startedAt: 10, duration: 50 },
      ]).message,
    ).toBe(
      'The attempt on endpoint "b" ran past its attemptTimeout of 50 ms, the last of 2 attempts (a: failed, b: timed-out). Raise `attemptTimeout`, or look at why the endpoints are slow.',
    );
    const cause = new Error('503');
    expect(new RetryBudgetExhaustedError(cause, []).cause).toBe(cause);
  });
});
