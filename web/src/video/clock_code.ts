// Reads the clock the simulator burns into frames (src/kordon/video/live/clock_stamp.py):
// 48 square cells along the top-left edge, 40 bits of POSIX milliseconds (low bits) then an
// 8-bit check, white = 1. Used to measure glass-to-glass delay in the browser.

export const TIME_BITS = 40;
export const CHECK_BITS = 8;
export const BITS = TIME_BITS + CHECK_BITS;
const WRAP = 2 ** TIME_BITS;

/** Cell size in pixels for a frame `width` pixels wide (as the stamper draws it). */
export function cellPx(width: number): number {
  return Math.max(4, Math.floor(width / 80));
}

function check(low: number): number {
  let sum = 0;
  let rest = low;
  for (let i = 0; i < 5; i += 1) {
    sum += rest % 256;
    rest = Math.floor(rest / 256);
  }
  return (sum ^ 0xa5) & 0xff;
}

/**
 * The burned-in time (POSIX ms) nearest `nearMs`, from RGBA pixels of the frame's top rows
 * (`rgba` is `width` pixels wide, at least `cellPx(width)` rows); null when unreadable.
 */
export function readClock(rgba: ArrayLike<number>, width: number, nearMs: number): number | null {
  const cell = cellPx(width);
  if (BITS * cell > width || rgba.length < width * cell * 4) return null;
  const y = Math.floor(cell / 2);
  let low = 0;
  let code = 0;
  for (let i = 0; i < BITS; i += 1) {
    const x = i * cell + Math.floor(cell / 2);
    const at = (y * width + x) * 4;
    const bit = ((rgba[at] ?? 0) + (rgba[at + 1] ?? 0) + (rgba[at + 2] ?? 0)) / 3 >= 128 ? 1 : 0;
    if (i < TIME_BITS) low = low * 2 + bit;
    else code = code * 2 + bit;
  }
  if (check(low) !== code) return null;
  const base = nearMs - (nearMs % WRAP);
  let best = base + low;
  for (const candidate of [base - WRAP + low, base + WRAP + low]) {
    if (Math.abs(candidate - nearMs) < Math.abs(best - nearMs)) best = candidate;
  }
  return best;
}
