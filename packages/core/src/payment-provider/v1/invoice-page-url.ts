/**
 * An invoice's hosted page (`InvoiceSummary.hostedInvoiceUrl`) as it may be shown or linked:
 * only a plain `https:` address, without spaces, parentheses or angle brackets (which would
 * end a Markdown link early). Anything else (a `javascript:` URL from a faulty provider, a
 * relative path, plain `http:`) is `undefined`: the invoice is shown without a link.
 */
export function invoicePageUrl(url: string | undefined): string | undefined {
  if (url === undefined || /[\s()<>]/.test(url)) return undefined;
  try {
    return new URL(url).protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}
