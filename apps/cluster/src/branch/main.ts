import type { BranchConfig } from '../common/config.ts';
import { reportReady, roleConfig, serveSupervisor } from '../common/ipc.ts';
import { loadKey } from '../common/key-store.ts';
import { Branch } from './branch.ts';

const config = roleConfig<BranchConfig>();
const branch = await Branch.start(config, loadKey(config.keyFile));
serveSupervisor(
  (question) => branch.handle(question),
  () => branch.close(),
);
reportReady(branch.ports);
