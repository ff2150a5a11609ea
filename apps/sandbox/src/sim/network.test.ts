import { describe, expect, it } from 'vitest';
import { NetworkEndpoint } from './endpoint.ts';
import { Network, type PacketEvent } from './network.ts';
import { SimNode } from './node.ts';
import { ConnectionRefusedError, RpcPeer } from './rpc.ts';
import { Simulation } from './simulation.ts';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);
const calm = { latencyMs: 5, jitterMs: 0, loss: 0 };

function cluster(seed = 1) {
  const sim = new Simulation({ seed });
  const network = new Network(sim, calm);
  const endpoint = new NetworkEndpoint(network, 'client');
  network.attach('client', endpoint);
  const client = new RpcPeer(endpoint);
  const server = new SimNode(sim, network, {
    id: 'n1',
    serviceMs: 10,
    handle: ({ payload }) => bytes(`echo ${text(payload)}`),
  });
  return { sim, network, client, server };
}

describe('simulated network', () => {
  it('delivers a request and its reply after latency and service time', async () => {
    const { sim, client } = cluster();
    let reply = '';
    let at = 0;
    void client.request('n1', bytes('hi')).then((r) => {
      reply = text(r);
      at = sim.now();
    });
    await sim.run(1000);
    expect(reply).toBe('echo hi');
    expect(at).toBeGreaterThan(10);
  });

  it('refuses requests to a killed node fast, after one round trip', async () => {
    const { sim, client, server } = cluster();
    server.kill();
    let error: unknown;
    let at = 0;
    client.request('n1', bytes('hi')).catch((e: unknown) => {
      error = e;
      at = sim.now();
    });
    await sim.run(1000);
    expect(error).toBeInstanceOf(ConnectionRefusedError);
    expect(at).toBe(10);
  });

  it('swallows packets across a partition: the caller hears nothing', async () => {
    const { sim, network, client } = cluster();
    network.partition([['client'], ['n1']]);
    const fates: PacketEvent['fate'][] = [];
    network.onPacket((event) => fates.push(event.fate));
    let settled = false;
    client.request('n1', bytes('hi')).finally(() => {
      settled = true;
    });
    await sim.run(1000);
    expect(settled).toBe(false);
    expect(fates).toEqual(['partitioned']);
    network.heal();
    expect(network.canReach('client', 'n1')).toBe(true);
  });

  it('loses about the configured share of packets', async () => {
    const { sim, network } = cluster();
    network.setDefaults({ latencyMs: 1, jitterMs: 0, loss: 0.2 });
    let lost = 0;
    network.onPacket((event) => {
      if (event.fate === 'lost') lost++;
    });
    for (let i = 0; i < 5000; i++) network.send('client', 'n1', bytes('x'));
    await sim.run(10);
    expect(lost / 5000).toBeGreaterThan(0.18);
    expect(lost / 5000).toBeLessThan(0.22);
  });

  it('lets an interceptor tamper with or drop packets', async () => {
    const { sim, network, client } = cluster();
    network.intercept((packet) =>
      packet.to === 'n1' ? { ...packet, bytes: packet.bytes.map((b, i) => (i === 5 ? 0x58 : b)) } : packet,
    );
    let reply = '';
    void client.request('n1', bytes('hi')).then((r) => {
      reply = text(r);
    });
    await sim.run(1000);
    expect(reply).toBe('echo Xi');
  });

  it('is deterministic: the same seed gives the same timeline', async () => {
    const timeline = async (seed: number) => {
      const { sim, network, client } = cluster(seed);
      network.setDefaults({ latencyMs: 5, jitterMs: 20, loss: 0.05 });
      const events: string[] = [];
      for (let i = 0; i < 50; i++) {
        sim.after(i * 3, () => {
          client.request('n1', bytes(`${i}`)).then(
            (r) => events.push(`${sim.now().toFixed(3)} ${text(r)}`),
            () => {},
          );
        });
      }
      await sim.run(5000);
      return events;
    };
    const first = await timeline(7);
    expect(first.length).toBeGreaterThan(40);
    expect(await timeline(7)).toEqual(first);
    expect(await timeline(8)).not.toEqual(first);
  });
});
