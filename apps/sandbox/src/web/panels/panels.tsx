import { type ReactNode, useId, useRef } from 'react';
import type { Panel, WorldView } from '../../lessons/lesson.ts';
import { Charts, sharedRanges, useCompleteSeconds } from './charts.tsx';
import { CountersTable } from './counters-table.tsx';
import { DotPlot } from './dot-plot.tsx';
import { HashRing } from './hash-ring.tsx';
import { Inspector } from './inspector.tsx';
import { MonitorLog } from './monitor-log.tsx';

/** A tab below the stage: one of the lesson's panels, or a page of words. */
export interface DetailTab {
  readonly id: string;
  readonly title: string;
  readonly content: () => ReactNode;
}

export const panelInfo: Readonly<
  Record<Exclude<Panel, 'topology'>, { readonly title: string; readonly hint: string }>
> = {
  charts: {
    title: 'Charts',
    hint: 'One point per second that is over, counting the requests that ended in it. p50: half of the requests were faster than this; p99: 99 in 100 were.',
  },
  dots: {
    title: 'Every request',
    hint: 'One mark per request in the last 5 seconds: across, when it ended; up, how long it took.',
  },
  inspector: {
    title: 'Messages',
    hint: 'The latest messages: the bytes on the wire as an attacker sees them, what the receiver got, and what it made of them.',
  },
  ring: {
    title: 'Hash ring',
    hint: 'Which shard owns which keys. Adding or removing a shard moves only some keys.',
  },
  monitor: {
    title: 'Monitoring log',
    hint: 'What an operator would be told: breaker trips, refused messages and tokens, key changes. Repeats are folded into one line.',
  },
  counters: {
    title: 'Counters',
    hint: 'Running totals since the start, for both worlds.',
  },
};

/** The content of one lesson panel, both worlds. */
export function panelTab(panel: Exclude<Panel, 'topology'>, views: readonly WorldView[]): DetailTab {
  return {
    id: panel,
    title: panelInfo[panel].title,
    content: () => (
      <div className={`panel panel-${panel}`}>
        <p className="hint">{panelInfo[panel].hint}</p>
        {panel === 'counters' ? (
          <CountersTable views={views} />
        ) : panel === 'charts' ? (
          <ChartsPair views={views} />
        ) : (
          <div className="pair">
            {views.map((view) => (
              <Side key={view.label} view={view}>
                {panel === 'dots' ? (
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
        )}
      </div>
    ),
  };
}

/**
 * What the stage leaves out: charts, logs, counters, the lesson's words.
 * Only the open tab is drawn. Tabs follow the ARIA pattern: arrow keys move
 * between them.
 */
export function DetailTabs({
  tabs,
  selected,
  onSelect,
}: {
  readonly tabs: readonly DetailTab[];
  readonly selected: string;
  readonly onSelect: (id: string) => void;
}) {
  const id = useId();
  const listRef = useRef<HTMLDivElement>(null);
  const open = tabs.find((tab) => tab.id === selected) ?? tabs[0];
  if (open === undefined) return null;
  const move = (offset: number): void => {
    const index = tabs.indexOf(open);
    const next = tabs[(index + offset + tabs.length) % tabs.length] as DetailTab;
    onSelect(next.id);
    listRef.current?.querySelector<HTMLButtonElement>(`[data-tab="${next.id}"]`)?.focus();
  };
  return (
    <section className="details" aria-label="More to look at">
      <div
        ref={listRef}
        className="tab-list"
        role="tablist"
        aria-label="More to look at"
        onKeyDown={(event) => {
          if (event.key === 'ArrowRight') move(1);
          else if (event.key === 'ArrowLeft') move(-1);
          else return;
          event.preventDefault();
        }}
      >
        {tabs.map((tab) => (
          <button
            key={tab.id}
            type="button"
            role="tab"
            id={`${id}-${tab.id}`}
            data-tab={tab.id}
            aria-selected={tab === open}
            aria-controls={`${id}-panel`}
            tabIndex={tab === open ? 0 : -1}
            onClick={() => onSelect(tab.id)}
          >
            {tab.title}
          </button>
        ))}
      </div>
      <div className="tab-panel" role="tabpanel" id={`${id}-panel`} aria-labelledby={`${id}-${open.id}`}>
        {open.content()}
      </div>
    </section>
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
