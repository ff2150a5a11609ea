import { delay } from '@palisade/core';
import type { AttackReport } from '../../attacker/attacker.ts';
import { ALARMING_REFUSALS } from '../../bank/authorise.ts';
import type { ScrapeRound } from '../collector.ts';
import { type Detection, roundSum, type Scenario } from '../scenario.ts';
import { after } from './node-down.ts';

/**
 * Lessons 7 and 8 for real: an attacker steals a branch's key file and
 * impersonates it. The key opens channels, but every request the attacker
 * makes is refused: it has no credential from head office and cannot sign
 * a customer's order. Those refusals show in the metrics; head office
 * revokes the key everywhere (every channel on it closes), revokes the
 * branch's credentials, and the branch makes a new key and carries on.
 */
export const compromise: Scenario = {
  name: 'compromise',
  title: "steal a branch's key, impersonate it, then revoke and rotate",
  lesson: 'lessons 7 and 8, the bank with many branches; monitoring and key rotation',
  async fault(cluster, pace) {
    const victim = cluster.branchIds[0] as string;
    const alarming = (round: ScrapeRound) =>
      [...ALARMING_REFUSALS].reduce(
        (total, result) => total + roundSum(round, 'bank_requests_total', { peer: victim, result }),
        0,
      );
    const baseline = alarming(cluster.collector.latest as ScrapeRound);
    const alarm = cluster.collector.waitFor((round) => alarming(round) > baseline, pace.patience);
    const at = Date.now();
    const attacker = await cluster.startAttacker(victim, 50);
    const detectedAt = await alarm;
    let revokedAt: number | undefined;
    if (detectedAt !== undefined) {
      await cluster.revokeAndRotate(victim);
      revokedAt = Date.now();
    }
    // The attacker keeps trying for a while after the revocation.
    await delay(pace.settle);
    const report = (await attacker.ask('report')) as AttackReport;
    await attacker.stop(3_000);
    const firstUse = report.firstSessionAt ?? at;
    const detections: Detection[] = [
      {
        what: `refusals of requests from ${victim} in the branches' bank.requests`,
        after: after(detectedAt, firstUse),
      },
    ];
    return {
      at,
      detections,
      attack: { ...report, revokedAt },
      notes: [
        `copied ${victim}'s key file to the attacker (pid ${attacker.pid}), which asked every other branch to move money every 50 ms`,
        revokedAt === undefined
          ? 'the alarm never fired, so the key was not revoked'
          : `head office revoked ${victim}'s key and credentials ${revokedAt - (detectedAt as number)} ms after the alarm; ${victim} now has key epoch 2`,
        `what the attacker got back: ${Object.entries(report.outcomes)
          .map(([outcome, times]) => `${outcome} ×${times}`)
          .join(', ')}`,
      ],
    };
  },
};
