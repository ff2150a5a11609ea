import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, WebSocket as WsWebSocket } from 'ws';
import { makeWorld, read, text } from './fixtures.test-util.js';
import { accept, connect } from './secure-channel.js';
import { webSocketTransport } from './websocket-transport.js';

const servers: WebSocketServer[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

async function listen(): Promise<{ server: WebSocketServer; url: string }> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  servers.push(server);
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const address = server.address();
  if (typeof address === 'string' || address === null) throw new Error('no port');
  return { server, url: `ws://127.0.0.1:${address.port}` };
}

describe('webSocketTransport', () => {
  it.each([
    ['ws', (url: string) => new WsWebSocket(url)],
    ["Node's global WebSocket", (url: string) => new globalThis.WebSocket(url)],
  ])('carries a secure channel over a real socket (%s client)', async (_, makeClient) => {
    const { clock, directory, nodes } = makeWorld(['browser', 'server']);
    // real sockets: time must be real too, but the clock only drives timeouts here
    const { server, url } = await listen();
    const accepted = new Promise<ReturnType<typeof accept>>((resolve) => {
      server.once('connection', (socket) => {
        resolve(accept(webSocketTransport(socket as never), { directory, clock, identity: nodes.server! }));
      });
    });
    const client = connect(webSocketTransport(makeClient(url) as never), {
      directory,
      clock,
      identity: nodes.browser!,
      peer: 'server',
    });
    const serverChannel = await accepted;
    await Promise.all([client.ready, serverChannel.ready]);
    const got = new Promise<string>((resolve) => serverChannel.onMessage((data) => resolve(read(data))));
    client.send(text('over the wire'));
    expect(await got).toBe('over the wire');
    const closed = new Promise<void>((resolve) => serverChannel.onClose(() => resolve()));
    client.close();
    await closed;
  });

  it('reports a text frame as a typed rejection', async () => {
    const { server, url } = await listen();
    const received = new Promise<{ code: string }>((resolve) => {
      server.once('connection', (socket) => {
        const transport = webSocketTransport(socket as never);
        transport.onError?.((error) => resolve(error as never));
      });
    });
    const raw = new WsWebSocket(url);
    await new Promise((resolve) => raw.once('open', resolve));
    raw.send('not binary');
    expect((await received).code).toBe('ERR_PALISADE_MESSAGING_MALFORMED_MESSAGE');
    raw.close();
  });
});
