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
 * Bytes as an onlooker would see them. A message that crossed the wire
 * unsealed is shown as text (non-printable bytes as dots), so it reads like
 * what it is; a sealed one as hex, which is all an attacker gets from it.
 */
export function describeWire(bytes: Uint8Array, readable: boolean, limit = 96): string {
  const shown = bytes.subarray(0, limit);
  const more = bytes.length > limit ? ` … (${bytes.length} bytes)` : '';
  let out = '';
  if (readable) {
    for (const byte of shown) out += printable(byte) ? String.fromCharCode(byte) : '·';
    return out + more;
  }
  for (const byte of shown) out += `${byte.toString(16).padStart(2, '0')} `;
  return out.trimEnd() + more;
}
