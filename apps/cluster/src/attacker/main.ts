import type { AttackerConfig } from '../common/config.ts';
import { reportReady, roleConfig, serveSupervisor } from '../common/ipc.ts';
import { loadKey } from '../common/key-store.ts';
import { Attacker } from './attacker.ts';

const config = roleConfig<AttackerConfig>();
const attacker = new Attacker(config, loadKey(config.stolenKeyFile));
serveSupervisor(
  (question) => {
    if (question.type === 'report') return attacker.report();
    throw new Error(`unknown question ${question.type}`);
  },
  () => attacker.close(),
);
attacker.start();
reportReady({ metricsPort: 0 });
