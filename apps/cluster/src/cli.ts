import { redisServerPath } from '../../../scripts/lib/redis-server.ts';
import { checkLedger } from './checker/checker.ts';
import { readLedger } from './checker/read-ledger.ts';
import { parseCliArgs, USAGE } from './cli-args.ts';
import { Cluster, type ClusterOptions, defaultClusterOptions } from './supervisor/cluster.ts';
import { normalPace, runScenario, shortPace } from './supervisor/scenario.ts';
import { scenarios } from './supervisor/scenarios/index.ts';
import { failuresOf, formatTable } from './supervisor/summary.ts';

/**
 * `npm run cluster`: the bank as real processes. Without `--scenario` it
 * runs until Ctrl-C; with one it runs the scenario and prints its table.
 * Either way it stops every process it started, by PID, before it exits.
 */
let args: ReturnType<typeof parseCliArgs>;
try {
  args = parseCliArgs(process.argv.slice(2));
} catch (error) {
  console.error(`${(error as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
if (redisServerPath() === '') {
  console.error(
    'npm run cluster needs redis-server, and none is installed (nor named by REDIS_SERVER_PATH).\n' +
      'Install it, then run this again:\n' +
      '  Debian/Ubuntu:  sudo apt-get install -y redis-server\n' +
      '  macOS:          brew install redis\n' +
      'The cluster starts its own redis-server on a free loopback port; it never uses one already running.',
  );
  process.exit(1);
}

const log = (line: string): void => console.log(`[cluster] ${line}`);
const options: ClusterOptions = {
  ...defaultClusterOptions,
  branches: args.branches,
  clients: args.clients,
  rate: args.rate,
  log,
};

log(`starting redis-server, ${args.branches} branches and ${args.clients} clients…`);
const cluster = await Cluster.start(options);
let stopping: Promise<never> | undefined;
const stop = (code: number): Promise<never> => {
  stopping ??= (async () => {
    await cluster.stop({ keepDir: args.keep });
    if (args.keep) log(`kept ${cluster.dir}`);
    log('every process it started has stopped');
    process.exit(code);
  })();
  return stopping;
};

printWhere(cluster);

if (args.scenario !== undefined) {
  process.once('SIGINT', () => {
    log('interrupted: stopping every process…');
    void stop(130);
  });
  const chosen = args.scenario === 'all' ? scenarios : scenarios.filter(({ name }) => name === args.scenario);
  const failures: string[] = [];
  for (const scenario of chosen) {
    log(`running ${scenario.name}: ${scenario.title}…`);
    const result = await runScenario(cluster, scenario, args.short ? shortPace : normalPace);
    console.log(`\n${formatTable(result)}\n`);
    failures.push(...failuresOf(result));
  }
  if (failures.length === 0) log(`every invariant held in ${chosen.map(({ name }) => name).join(', ')}`);
  else for (const failure of failures) console.error(`FAILED ${failure}`);
  await stop(failures.length === 0 ? 0 : 1);
} else {
  log('running until Ctrl-C');
  const status = setInterval(() => {
    void cluster.collectReports().then(() => {
      const { requested, acknowledged, calls } = cluster.reports;
      const ok = calls.filter((call) => call.ok).length;
      log(
        `${requested.length} transfers requested, ${acknowledged.size} acknowledged; ${calls.length === 0 ? 0 : ((100 * ok) / calls.length).toFixed(1)} % of hand-ins succeeded`,
      );
    });
  }, 5_000);
  process.once('SIGINT', () => {
    clearInterval(status);
    log('Ctrl-C: stopping the clients, letting the queues drain, checking the ledger…');
    void (async () => {
      await cluster.pauseClients().catch(() => {});
      await cluster.collectReports().catch(() => {});
      const left = await cluster.drain(15_000);
      const check = checkLedger(await readLedger(cluster.redis.url), {
        openingBalances: cluster.openingBalances,
        requested: cluster.reports.requested,
        acknowledged: new Set(cluster.reports.acknowledged.keys()),
      });
      log(
        `ledger: sum ${check.total} of ${check.expectedTotal}; ${check.negative.length} accounts below zero; ` +
          `${check.lost.length} lost, ${check.appliedTwice.length} applied twice, ${check.outOfOrder.length} out of order` +
          (left > 0 ? ` (${left} still waiting in their queues)` : ''),
      );
      await stop(0);
    })();
  });
}

function printWhere(cluster: Cluster): void {
  console.log('');
  console.log(`redis-server  pid ${cluster.redis.pid}  ${cluster.redis.url}  (data in ${cluster.redis.dir})`);
  for (const child of cluster.processes) {
    const http = child.httpPort === undefined ? '' : `  front desk http://127.0.0.1:${child.httpPort}/transfers`;
    console.log(`${child.name.padEnd(12)}  pid ${String(child.pid).padEnd(7)}  metrics ${child.metricsUrl}${http}`);
  }
  console.log(`logs in ${cluster.dir}/logs\n`);
}
