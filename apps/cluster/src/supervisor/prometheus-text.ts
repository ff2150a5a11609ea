/** One sample of the Prometheus text format: a metric name, its labels and a value. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const linePattern = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\S+)?$/;

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let index = 0;
  while (index < text.length) {
    const equals = text.indexOf('=', index);
    if (equals === -1) break;
    const name = text.slice(index, equals).trim().replace(/^,/, '').trim();
    if (text[equals + 1] !== '"') throw new Error(`bad label value in {${text}}`);
    let value = '';
    let cursor = equals + 2;
    for (; cursor < text.length && text[cursor] !== '"'; cursor++) {
      const char = text[cursor] as string;
      if (char !== '\\') {
        value += char;
        continue;
      }
      const escaped = text[++cursor];
      value += escaped === 'n' ? '\n' : (escaped ?? '');
    }
    labels[name] = value;
    index = cursor + 1;
    while (text[index] === ',' || text[index] === ' ') index++;
  }
  return labels;
}

/**
 * Parses Prometheus text exposition (version 0.0.4): comments and blank
 * lines are skipped, every other line is a sample. Values may be `NaN`,
 * `+Inf` or `-Inf`.
 */
export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = linePattern.exec(line);
    if (match === null) throw new Error(`not a Prometheus sample: ${line}`);
    const [, name, labelText, valueText] = match;
    const value = valueText === '+Inf' ? Infinity : valueText === '-Inf' ? -Infinity : Number(valueText);
    samples.push({ name: name as string, labels: labelText === undefined ? {} : parseLabels(labelText), value });
  }
  return samples;
}

/** The sum of the samples named `name` whose labels include every one of `where`. */
export function sumOf(samples: readonly Sample[], name: string, where: Readonly<Record<string, string>> = {}): number {
  let total = 0;
  for (const sample of samples) {
    if (sample.name !== name) continue;
    if (Object.entries(where).every(([label, value]) => sample.labels[label] === value)) total += sample.value;
  }
  return total;
}
