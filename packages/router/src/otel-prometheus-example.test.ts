import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Demo, startDemo } from '../examples/otel-prometheus.ts';

/**
 * The runnable example (examples/otel-prometheus.ts), on loopback ports the
 * system picks: requests go through the service, whose router calls two
 * upstream replicas, one failing every other request; a scrape of the
 * Prometheus endpoint then shows the router's series.
 */
describe('examples/otel-prometheus.ts', () => {
  let demo: Demo;
  beforeAll(async () => {
    demo = await startDemo();
  });
  afterAll(async () => {
    await demo?.close();
  });

  it('serves every request despite the failing replica, and exports the router’s series as Prometheus text', async () => {
    for (let i = 0; i < 10; i++) {
      const response = await fetch(`${demo.serviceUrl}/stock`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ stock: 42 });
    }
    const scrape = await fetch(demo.metricsUrl);
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await scrape.text();
    const line = (pattern: RegExp) => text.split('\n').find((each) => pattern.test(each));
    const value = (pattern: RegExp) => Number(line(pattern)?.split(' ').at(-1));

    expect(value(/^palisade_router_calls_total\{.*palisade_router_outcome="success"/)).toBe(10);
    expect(line(/^palisade_router_calls_total\{/)).toContain('palisade_router_name="inventory"');
    const failed = value(
      /^palisade_router_attempts_total\{.*palisade_router_endpoint="inventory-b".*palisade_router_outcome="failure"/,
    );
    expect(failed).toBeGreaterThan(0);
    expect(value(/^palisade_router_retries_total\{/)).toBe(failed);
    expect(value(/^palisade_router_call_duration_count\{.*palisade_router_outcome="success"/)).toBe(10);
    expect(line(/^palisade_router_call_duration_bucket\{.*le="0\.005"/)).toBeDefined();
    expect(value(/^palisade_router_endpoints\{.*palisade_router_endpoint_status="healthy"/)).toBe(2);
    expect(text).toContain('# TYPE palisade_router_call_duration histogram');
  });
});
