import type { ClientConfig } from '../common/config.ts';
import { reportReady, roleConfig, serveSupervisor } from '../common/ipc.ts';
import { loadKey } from '../common/key-store.ts';
import { Client } from './client.ts';

const config = roleConfig<ClientConfig>();
const client = await Client.start(config, loadKey(config.keyFile));
serveSupervisor(
  (question) => client.handle(question),
  () => client.close(),
);
reportReady(client.ports);
