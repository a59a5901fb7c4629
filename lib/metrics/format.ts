/** Number formatting that matches Python's, so text reports agree with sklearn's digit for digit. */

/**
 * `value` with `digits` decimals, rounded like Python's `f"{value:.{digits}f}"`: the stored binary
 * value to the nearest, and an exact tie (possible only for binary fractions such as 0.125 or
 * 0.625) to the even digit, where JavaScript's `toFixed` would round up. 0.225 is no tie: it is
 * stored a little above, so both round it up.
 */
export function formatFixed(value: number, digits: number): string {
  const fixed = value.toFixed(digits);
  if (!Number.isFinite(value) || Math.abs(value) >= 1e21) return fixed;
  // toFixed(100) writes the stored value's exact decimal expansion (a tie ends within it).
  const exact = value.toFixed(100);
  const cut = exact.indexOf(".") + 1 + digits;
  if (!/^50*$/.test(exact.slice(cut))) return fixed;
  const truncated = exact.slice(0, cut).replace(/\.$/, "");
  const lastDigit = Number(truncated[truncated.length - 1]);
  return lastDigit % 2 === 0 ? truncated : fixed;
}
