// A 5×5 mirrored identicon drawn from the address itself (its hex digits are already uniformly distributed),
// so the same peer always gets the same picture without any network request.
import { memo } from 'preact/compat';

function cells(address: string): { color: string; on: boolean[] } {
  const hex = address.toLowerCase().replace(/^0x/, '').padEnd(40, '0');
  const hue = parseInt(hex.slice(0, 3), 16) % 360;
  const on: boolean[] = [];
  for (let row = 0; row < 5; row++) {
    for (let col = 0; col < 3; col++) on.push(parseInt(hex[3 + row * 3 + col]!, 16) % 2 === 0);
  }
  return { color: `hsl(${hue} 62% 52%)`, on };
}

/**
 * The lit cells as one path ("M col row h1 v1 h-1 z" each): one SVG element per avatar instead of one rect per
 * cell, since a popup's first screen draws fifteen of them (npm run bench -- extension --profile).
 */
function cellPath(on: boolean[]): string {
  let d = '';
  for (let row = 0; row < 5; row++) {
    for (let col = 0; col < 5; col++) {
      const source = col < 3 ? col : 4 - col;
      if (on[row * 3 + source]) d += `M${col} ${row}h1v1h-1z`;
    }
  }
  return d;
}

export const Identicon = memo(function Identicon({ address, size = 32 }: { address: string; size?: number }) {
  const { color, on } = cells(address);
  return (
    <svg class="identicon" width={size} height={size} viewBox="-0.5 -0.5 6 6" aria-hidden="true">
      <rect x="-0.5" y="-0.5" width="6" height="6" rx="1.2" class="identicon-bg" />
      <path fill={color} d={cellPath(on)} />
    </svg>
  );
});
