/**
 * Who is who in the bank: branches (`branch-1` …), the accounts each one
 * holds (`b2-07` is account 7 of branch-2), and the customers who own them
 * (`customer-1` …). Names carry what they mean, so any process can tell an
 * account's home branch from the account id alone.
 */

export const HQ = 'hq';

export const branchId = (index: number): string => `branch-${index}`;

export const customerId = (index: number): string => `customer-${index}`;

export const accountId = (branch: number, index: number): string => `b${branch}-${String(index).padStart(2, '0')}`;

const accountPattern = /^b([1-9][0-9]*)-([0-9]{2,})$/;
const branchPattern = /^branch-([1-9][0-9]*)$/;

/** The branch that holds an account, or undefined for a string that names no account. */
export function homeOf(account: string): string | undefined {
  const match = accountPattern.exec(account);
  return match === null ? undefined : branchId(Number(match[1]));
}

export const isBranch = (nodeId: string): boolean => branchPattern.test(nodeId);

export const branchNumber = (nodeId: string): number => Number(branchPattern.exec(nodeId)?.[1] ?? Number.NaN);

/** The accounts of one branch. */
export function accountsOf(branch: number, perBranch: number): string[] {
  return Array.from({ length: perBranch }, (_, index) => accountId(branch, index + 1));
}

/**
 * Which customer owns an account. Accounts are dealt round-robin over the
 * customers, branch after branch, so every customer has accounts at every
 * branch once there are as many accounts per branch as customers.
 */
export function holderOf(account: string, customers: number): string {
  const match = accountPattern.exec(account);
  if (match === null) throw new Error(`not an account: ${account}`);
  return customerId(((Number(match[2]) - 1) % customers) + 1);
}
