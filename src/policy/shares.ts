/**
 * Shares of traffic, in one unit in every report (diff, preview, review): a fraction in
 * [0, 1], never a percentage. Percent appears only where a person reads it (`percent`).
 */

/** A requested share (weight / sum of weights), rounded to 6 decimals. */
export const roundShare = (x: number): number => Math.round(x * 1e6) / 1e6;

/** `0.0799` -> `7.99%`: a share as a person reads it. */
export const percent = (share: number): string => `${(share * 100).toFixed(2)}%`;
