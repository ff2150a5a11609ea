import { VirtualClock } from '@palisade/core';
import { type EndpointStats, NoHealthyEndpointError, Router } from '@palisade/router';
import { instrumentRouter, type RouterInstrumentationOptions } from '@palisade/router/otel';

const router = new Router<string>({
  clock: new VirtualClock(),
  endpoints: [{ id: 'eu', data: 'https://eu.example.com' }],
});
const url: Promise<string> = router.execute((endpoint, signal) => {
  const base: string | undefined = endpoint.data;
  return Promise.resolve(`${base}/${signal.aborted}`);
});
const stats: EndpointStats | undefined = router.endpointStats('eu');
const isTyped = (error: unknown): boolean => error instanceof NoHealthyEndpointError;

const options: RouterInstrumentationOptions = { name: 'eu-api', endpointAttribute: false };
const instrumentation = instrumentRouter(router, options);

export { instrumentation, isTyped, stats, url };
