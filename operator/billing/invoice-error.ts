/** Usage that cannot be priced or an invoice that cannot be built; the message says why. */
export class InvoiceError extends Error {
  override name = 'InvoiceError';
}
