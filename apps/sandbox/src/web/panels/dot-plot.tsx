import { memo, useLayoutEffect, useRef } from 'react';
import type { WorldView } from '../../lessons/lesson.ts';
import type { Outcome, RequestRecord } from '../../sim/metrics.ts';
import { outcomeColour } from '../palette.ts';
import { useWidth } from '../use-width.ts';

const HEIGHT = 150;
const WINDOW_MS = 5_000;
const MARGIN = { left: 46, right: 8, top: 8, bottom: 20 };

/**
 * Jepsen's latency plot: one mark per request, placed by when it ended and
 * how long it took, shaped and coloured by how it ended. Drawn on a canvas
 * because a busy world ends thousands of requests every few seconds.
 */
export const DotPlot = memo(function DotPlot({ view }: { readonly view: WorldView }) {
  const boxRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const width = useWidth(boxRef, 300);
  const counts = countOutcomes(view.recent);

  useLayoutEffect(() => {
    const canvas = canvasRef.current;
    if (canvas !== null) draw(canvas, width, view.recent, view.time);
  }, [width, view.recent, view.time]);

  return (
    <figure className="dot-plot">
      <div ref={boxRef} className="dot-plot-box">
        <canvas
          ref={canvasRef}
          role="img"
          aria-label={`Requests that ended in the last 5 seconds: ${counts.ok} ok, ${counts.failed} failed, ${counts.unknown} unknown.`}
        />
      </div>
      <figcaption>
        <ul className="legend">
          <li>
            <Sample outcome="ok" /> ok: {counts.ok.toLocaleString('en')}
          </li>
          <li>
            <Sample outcome="failed" /> failed: {counts.failed.toLocaleString('en')}
          </li>
          <li>
            <Sample outcome="unknown" /> unknown (timed out, may have happened): {counts.unknown.toLocaleString('en')}
          </li>
        </ul>
        {view.recent.length === 0 && <p className="empty">No requests ended in the last 5 seconds.</p>}
      </figcaption>
    </figure>
  );
});

function countOutcomes(records: readonly RequestRecord[]): Record<Outcome, number> {
  const counts = { ok: 0, failed: 0, unknown: 0 };
  for (const record of records) counts[record.outcome]++;
  return counts;
}

function Sample({ outcome }: { readonly outcome: Outcome }) {
  return (
    <svg viewBox="-5 -5 10 10" width="12" height="12" aria-hidden="true">
      {outcome === 'ok' ? (
        <circle r="3" fill={outcomeColour.ok} />
      ) : outcome === 'failed' ? (
        <path d="M-3.5 -3.5 L3.5 3.5 M3.5 -3.5 L-3.5 3.5" stroke={outcomeColour.failed} strokeWidth="1.8" />
      ) : (
        <rect x="-3" y="-3" width="6" height="6" fill="none" stroke={outcomeColour.unknown} strokeWidth="1.5" />
      )}
    </svg>
  );
}

function draw(canvas: HTMLCanvasElement, width: number, records: readonly RequestRecord[], now: number): void {
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(HEIGHT * ratio);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${HEIGHT}px`;
  const ctx = canvas.getContext('2d');
  if (ctx === null) return;
  ctx.scale(ratio, ratio);
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  let maxLatency = 10;
  for (const record of records) maxLatency = Math.max(maxLatency, record.endedAt - record.startedAt);
  // Log scale: a 2 ms answer and a 2 s timeout both need to be visible.
  const top = Math.log10(maxLatency * 1.2);
  const y = (latency: number): number =>
    MARGIN.top + plotHeight * (1 - Math.max(0, Math.log10(Math.max(latency, 1))) / top);
  const x = (at: number): number => MARGIN.left + plotWidth * (1 - (now - at) / WINDOW_MS);

  ctx.font = '11px system-ui, sans-serif';
  ctx.fillStyle = '#4a5568';
  ctx.strokeStyle = '#e2e8f0';
  ctx.lineWidth = 1;
  for (let decade = 0; decade <= Math.floor(top); decade++) {
    const at = Math.round(y(10 ** decade)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(MARGIN.left, at);
    ctx.lineTo(width - MARGIN.right, at);
    ctx.stroke();
    ctx.fillText(decade < 3 ? `${10 ** decade} ms` : `${10 ** (decade - 3)} s`, 2, at + 4);
  }
  for (let second = 0; second <= WINDOW_MS / 1000; second++) {
    const at = x(now - second * 1000);
    ctx.fillText(second === 0 ? 'now' : `-${second}s`, Math.min(at - 8, width - 28), HEIGHT - 5);
  }

  ctx.fillStyle = outcomeColour.ok;
  for (const record of records) {
    if (record.outcome !== 'ok') continue;
    ctx.fillRect(x(record.endedAt) - 1.5, y(record.endedAt - record.startedAt) - 1.5, 3, 3);
  }
  ctx.lineWidth = 1.6;
  for (const record of records) {
    if (record.outcome === 'ok') continue;
    const px = x(record.endedAt);
    const py = y(record.endedAt - record.startedAt);
    ctx.beginPath();
    if (record.outcome === 'failed') {
      ctx.strokeStyle = outcomeColour.failed;
      ctx.moveTo(px - 3, py - 3);
      ctx.lineTo(px + 3, py + 3);
      ctx.moveTo(px + 3, py - 3);
      ctx.lineTo(px - 3, py + 3);
    } else {
      ctx.strokeStyle = outcomeColour.unknown;
      ctx.rect(px - 3, py - 3, 6, 6);
    }
    ctx.stroke();
  }
}
