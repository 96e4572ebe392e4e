/**
 * The URL contract between the two halves of the product: the URL the SIP responder puts into a NOTIFY, and
 * the HTTP routes that answer the requests a phone makes after following it. This module is the one place
 * that knows both sides; the responder and the routes import from here and nowhere else.
 */

/** Values substituted into a URL template. Unknown values leave their placeholder in place. */
export interface UrlValues {
  /** Normalised MAC (12 upper-case hex digits). */
  mac?: string;
  model?: string;
  vendor?: string;
  version?: string;
  /** The phone's source address as seen on the SUBSCRIBE. */
  ip?: string;
  /** This service's public base URL, without a trailing slash. */
  base?: string;
}

/**
 * Expands `{mac}` (lower-case hex), `{MAC}` (upper-case hex), `{model}`, `{vendor}`, `{version}`, `{ip}` and
 * `{base}`. A placeholder whose value is unknown is left as written: a Snom phone substitutes `{mac}` itself, so
 * a template keeps working for a SUBSCRIBE that carried no MAC. Values are percent-encoded, so nothing a phone
 * sends can change the URL's structure.
 */
export function expandUrlTemplate(template: string, values: UrlValues): string {
  return template.replace(/\{(mac|MAC|model|vendor|version|ip|base)\}/g, (whole, name: string) => {
    switch (name) {
      case 'mac': return values.mac ? values.mac.toLowerCase() : whole;
      case 'MAC': return values.mac ? values.mac.toUpperCase() : whole;
      case 'base': return values.base ?? whole;
      default: {
        const v = values[name as 'model' | 'vendor' | 'version' | 'ip'];
        return v === undefined || v === '' ? whole : encodeURIComponent(v);
      }
    }
  });
}
