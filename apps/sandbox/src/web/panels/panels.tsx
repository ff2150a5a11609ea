import type { ReactNode } from 'react';
import type { Panel, WorldView } from '../../lessons/lesson.ts';
import { Charts, sharedRanges, useCompleteSeconds } from './charts.tsx';
import { CountersTable } from './counters-table.tsx';
import { DotPlot } from './dot-plot.tsx';
import { HashRing } from './hash-ring.tsx';
import { Inspector } from './inspector.tsx';
import { MonitorLog } from './monitor-log.tsx';
import { Topology } from './topology.tsx';
import { TopologyLegend } from './topology-legend.tsx';

const panelInfo: Readonly<Record<Panel, { readonly title: string; readonly hint: string }>> = {
  topology: {
    title: 'The network',
    hint: 'Nodes and the links between them. Each node’s state is written under it.',
  },
  charts: {
    title: 'Live charts',
    hint: 'One point per simulated second. p50: half of the requests were faster than this; p99: 99 in 100 were.',
  },
  dots: {
    title: 'Every request',
    hint: 'One mark per request in the last 5 seconds: across, when it ended; up, how long it took.',
  },
  inspector: {
    title: 'Message inspector',
    hint: 'The latest messages: the bytes on the wire as an attacker sees them, and what the receiver got.',
  },
  ring: {
    title: 'Hash ring',
    hint: 'Which shard owns which keys. Adding or removing a shard moves only some keys.',
  },
  monitor: {
    title: 'Monitoring log',
    hint: 'What an operator would be told: breaker trips, refused messages and tokens, key changes.',
  },
  counters: {
    title: 'Counters',
    hint: 'Running totals since the start, for both worlds.',
  },
};

/** The lesson's panels, each showing the palisade world next to the baseline. */
export function Panels({ panels, views }: { readonly panels: readonly Panel[]; readonly views: readonly WorldView[] }) {
  return (
    <div className="panels">
      {panels.map((panel) => (
        <section key={panel} className={`panel panel-${panel}`} aria-labelledby={`panel-${panel}`}>
          <h2 id={`panel-${panel}`}>{panelInfo[panel].title}</h2>
          <p className="hint">{panelInfo[panel].hint}</p>
          {panel === 'counters' ? <CountersTable views={views} /> : <PanelPair panel={panel} views={views} />}
        </section>
      ))}
    </div>
  );
}

function PanelPair({
  panel,
  views,
}: {
  readonly panel: Exclude<Panel, 'counters'>;
  readonly views: readonly WorldView[];
}) {
  if (panel === 'charts') return <ChartsPair views={views} />;
  return (
    <>
      <div className="pair">
        {views.map((view) => (
          <Side key={view.label} view={view}>
            {panel === 'topology' ? (
              <Topology view={view} />
            ) : panel === 'dots' ? (
              <DotPlot view={view} />
            ) : panel === 'inspector' ? (
              <Inspector messages={view.messages} last={view.messages.at(-1)} />
            ) : panel === 'ring' ? (
              <HashRing ring={view.ring} />
            ) : (
              <MonitorLog entries={view.monitor} palisade={view.palisade} last={view.monitor.at(-1)} />
            )}
          </Side>
        ))}
      </div>
      {panel === 'topology' && <TopologyLegend />}
    </>
  );
}

function ChartsPair({ views }: { readonly views: readonly WorldView[] }) {
  const [first, second] = views;
  const a = useCompleteSeconds(first as WorldView);
  const b = useCompleteSeconds((second ?? first) as WorldView);
  const ranges = sharedRanges([a, b]);
  return (
    <div className="pair">
      {[a, b].slice(0, views.length).map((seconds, index) => {
        const view = views[index] as WorldView;
        return (
          <Side key={view.label} view={view}>
            <Charts
              seconds={seconds}
              faults={view.faults}
              throughputMax={ranges.throughput}
              latencyMax={ranges.latency}
            />
          </Side>
        );
      })}
    </div>
  );
}

function Side({ view, children }: { readonly view: WorldView; readonly children: ReactNode }) {
  return (
    <div className={`side ${view.palisade ? 'side-palisade' : 'side-baseline'}`}>
      <h3 className="side-label">
        <span className="side-mark" aria-hidden="true">
          {view.palisade ? '◆' : '◇'}
        </span>{' '}
        {view.label}
      </h3>
      {children}
    </div>
  );
}
