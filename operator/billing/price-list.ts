/**
 * Which price applies when: an Entitlement's price list as each SKU's price history. A price
 * takes effect at its `effectiveFrom` (absent: from the beginning, the CRD's default) and
 * holds until the SKU's next one; a metering window is priced by the entry in effect at the
 * window's start, so a price change never splits a window.
 */

import type { Price } from '../api/v1alpha1/entitlement.ts';
import { iso, toMs } from '../metering/windows.ts';
import { InvoiceError } from './invoice-error.ts';

/** What an absent `effectiveFrom` means (and what the API server stores for it). */
export const BEGINNING = '1970-01-01T00:00:00Z';

/** A price with its effective time as epoch ms and as the ISO string lines carry. */
export interface EffectivePrice {
  price: Price;
  fromMs: number;
  /**
   * `fromMs` in UTC, without milliseconds when it has none: the spelling the CRD requires
   * (so a line matches its price list entry), and one spelling per instant whatever was written.
   */
  effectiveFrom: string;
}

/** Each SKU's prices, latest first. */
export type PriceList = ReadonlyMap<string, readonly EffectivePrice[]>;

/**
 * The price list by SKU. Throws `InvoiceError` for an effectiveFrom that is not a time and for
 * two prices of one SKU taking effect at the same instant (admission refuses both; a list
 * that got past it must not be priced by whichever entry comes first).
 */
export function priceList(prices: readonly Price[]): PriceList {
  const bySku = new Map<string, EffectivePrice[]>();
  for (const price of prices) {
    let fromMs: number;
    try {
      fromMs = toMs(price.effectiveFrom ?? BEGINNING);
    } catch {
      throw new InvoiceError(`effectiveFrom of ${price.sku} is not a time: ${price.effectiveFrom}`);
    }
    const entries = bySku.get(price.sku) ?? [];
    const effectiveFrom = iso(fromMs).replace(/\.000Z$/, 'Z');
    if (entries.some((e) => e.fromMs === fromMs))
      throw new InvoiceError(`${price.sku} has two prices taking effect at ${effectiveFrom}`);
    entries.push({ price, fromMs, effectiveFrom });
    bySku.set(price.sku, entries);
  }
  for (const entries of bySku.values()) entries.sort((a, b) => b.fromMs - a.fromMs);
  return bySku;
}

/**
 * The price of `sku` in effect at `atMs`: the one with the latest effectiveFrom at or before
 * it. Throws `InvoiceError` naming the SKU when there is none.
 */
export function priceAt(list: PriceList, sku: string, atMs: number): EffectivePrice {
  const entries = list.get(sku);
  if (!entries) throw new InvoiceError(`no price for SKU ${sku} in the entitlement's price list`);
  const found = entries.find((e) => e.fromMs <= atMs);
  if (!found) throw new InvoiceError(`no price for SKU ${sku} in effect at ${iso(atMs)}`);
  return found;
}
