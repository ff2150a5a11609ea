import { Identity, KeyDirectory } from '@palisade/messaging';
import { MessageType } from '@palisade/messaging/primitives';
import { insecureDeterministicRandomBytes } from '@palisade/messaging/testing';
import { describe, expect, it } from 'vitest';
import { NetworkEndpoint } from './endpoint.ts';
import { Network } from './network.ts';
import { SimNode } from './node.ts';
import { RpcPeer } from './rpc.ts';
import { secureConnector } from './secure-connector.ts';
import { Simulation } from './simulation.ts';

const text = (data: Uint8Array) => new TextDecoder().decode(data);
const bytes = (value: string) => new TextEncoder().encode(value);

function secureCluster() {
  const sim = new Simulation({ seed: 3 });
  const network = new Network(sim, { latencyMs: 5, jitterMs: 0, loss: 0 });
  const randomBytes = insecureDeterministicRandomBytes('sandbox test');
  const directory = new KeyDirectory({ clock: sim.clock });
  const clientIdentity = Identity.generate('client', { insecureRandomBytesForTests: randomBytes });
  const serverIdentity = Identity.generate('n1', { insecureRandomBytesForTests: randomBytes });
  directory.register(clientIdentity.publicIdentity);
  directory.register(serverIdentity.publicIdentity);
  const rejected: string[] = [];
  const connectorFor = (identity: Identity) =>
    secureConnector({
      identity,
      directory,
      clock: sim.clock,
      randomBytes,
      onReject: (_peer, event) => rejected.push(event.error.code),
    });
  new SimNode(sim, network, {
    id: 'n1',
    connector: connectorFor(serverIdentity),
    handle: ({ payload }) => bytes(`ok ${text(payload)}`),
  });
  const endpoint = new NetworkEndpoint(network, 'client');
  network.attach('client', endpoint);
  const client = new RpcPeer(endpoint, { connector: connectorFor(clientIdentity) });
  return { sim, network, client, rejected };
}

describe('secure connector', () => {
  it('runs RPC over a real handshake and channel on the simulated network', async () => {
    const { sim, client, network } = secureCluster();
    const seen: Uint8Array[] = [];
    network.onPacket((event) => seen.push(event.packet.bytes));
    let reply = '';
    void client.request('n1', bytes('transfer 100')).then((r) => {
      reply = text(r);
    });
    await sim.run(2000);
    expect(reply).toBe('ok transfer 100');
    const onTheWire = seen.map((packet) => text(packet)).join('');
    expect(onTheWire).not.toContain('transfer 100');
  });

  it('refuses a tampered request and reports it', async () => {
    const { sim, client, network, rejected } = secureCluster();
    let tampered = false;
    network.intercept((packet) => {
      // Leave the handshake alone; flip one bit of the first data frame.
      if (tampered || packet.to !== 'n1' || packet.bytes[1] !== MessageType.data) return packet;
      tampered = true;
      const copy = Uint8Array.from(packet.bytes);
      copy[copy.length - 1]! ^= 1;
      return { ...packet, bytes: copy };
    });
    const outcome = client.request('n1', bytes('transfer 100')).then(
      () => 'answered',
      () => 'failed',
    );
    await sim.run(2000);
    expect(tampered).toBe(true);
    expect(rejected).toContain('ERR_PALISADE_MESSAGING_AUTHENTICATION_FAILED');
    expect(await Promise.race([outcome, Promise.resolve('pending')])).toBe('pending');
  });
});
