import type { Balancer } from './balancer.js';
import { LeastOutstandingBalancer } from './least-outstanding-balancer.js';
import type { BalancerName } from './options.js';
import { PeakEwmaBalancer } from './peak-ewma-balancer.js';
import { RendezvousBalancer } from './rendezvous-balancer.js';
import { RoundRobinBalancer } from './round-robin-balancer.js';

export function createBalancer(name: BalancerName): Balancer {
  switch (name) {
    case 'peak-ewma':
      return new PeakEwmaBalancer();
    case 'least-outstanding':
      return new LeastOutstandingBalancer();
    case 'round-robin':
      return new RoundRobinBalancer();
    case 'sticky':
      return new RendezvousBalancer();
  }
}
