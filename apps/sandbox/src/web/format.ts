/** Virtual ms as a clock reading: "1:05.2". */
export function formatClock(ms: number): string {
  const tenths = Math.floor(ms / 100);
  const minutes = Math.floor(tenths / 600);
  const seconds = Math.floor((tenths % 600) / 10);
  return `${minutes}:${String(seconds).padStart(2, '0')}.${tenths % 10}`;
}

export function formatPercent(share: number, digits = 1): string {
  return `${(share * 100).toFixed(digits)}%`;
}

export function formatMs(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
}

export function formatRate(perSecond: number): string {
  return `${perSecond < 10 ? perSecond.toFixed(1) : Math.round(perSecond).toLocaleString('en')}/s`;
}

export function formatValue(value: number | string): string {
  return typeof value === 'number' ? value.toLocaleString('en') : value;
}

const printable = (byte: number): boolean => byte >= 0x20 && byte < 0x7f;

/**
 * Bytes as an onlooker would read them: as text when they mostly are text,
 * as hex otherwise. That contrast (readable versus noise) is what the
 * inspector teaches. Random bytes are about 37% printable, and a plain
 * frame's binary header is short, so 60% tells the two apart.
 */
export function describeWire(bytes: Uint8Array, limit = 96): { readonly readable: boolean; readonly text: string } {
  const shown = bytes.subarray(0, limit);
  let text = 0;
  for (const byte of shown) if (printable(byte) || byte === 0x0a) text++;
  const more = bytes.length > limit ? ` … (${bytes.length} bytes)` : '';
  if (shown.length > 0 && text / shown.length > 0.6) {
    let out = '';
    for (const byte of shown) out += printable(byte) ? String.fromCharCode(byte) : '·';
    return { readable: true, text: out + more };
  }
  let hex = '';
  for (const byte of shown) hex += `${byte.toString(16).padStart(2, '0')} `;
  return { readable: false, text: hex.trimEnd() + more };
}
