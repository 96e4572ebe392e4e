/**
 * Strict readers written for the tests, independent of the renderers: a Yealink `key = value` file (header line,
 * then only well-formed key lines, no key twice) and an XML file (well-formed, read back with fast-xml-parser).
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export function readYealinkCfg(text: string): Map<string, string> {
  const lines = text.split('\n');
  if (lines[0] !== '#!version:1.0.0.1') throw new Error(`first line is not the Yealink header: ${JSON.stringify(lines[0])}`);
  if (lines.at(-1) !== '') throw new Error('the file does not end with a line end');
  const out = new Map<string, string>();
  for (const line of lines.slice(1, -1)) {
    if (line.startsWith('include:config ')) continue;
    const m = /^([A-Za-z0-9_.]+) = ([^\r\n]*)$/.exec(line);
    if (!m?.[1] || m[2] === undefined) throw new Error(`not a key = value line: ${JSON.stringify(line)}`);
    if (out.has(m[1])) throw new Error(`key given twice: ${m[1]}`);
    out.set(m[1], m[2]);
  }
  return out;
}

/** An XML document as plain objects; throws when it is not well-formed. Values stay text. */
export function readXml(text: string): Record<string, unknown> {
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new Error(`not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  return new XMLParser({ ignoreAttributes: false, parseTagValue: false, parseAttributeValue: false }).parse(text) as Record<string, unknown>;
}

/** `<gs_provision><config>` P-values of a Grandstream file. */
export function readGrandstreamConfig(text: string): Record<string, string> {
  const doc = readXml(text) as { gs_provision?: { config?: Record<string, string> } };
  const config = doc.gs_provision?.config;
  if (config === undefined) throw new Error('no <gs_provision><config>');
  return config;
}

/**
 * `<provisioning><nvm>` of a Gigaset Maxwell file as name -> value: well-formed, the root `provisioning` with one
 * `nvm` of `<param name value/>` elements only, every param with both attributes and no name twice.
 */
export function readMaxwellParams(text: string): Map<string, string> {
  const doc = readXml(text) as { provisioning?: Record<string, unknown> };
  const root = doc.provisioning;
  if (root === undefined || typeof root !== 'object') throw new Error('no <provisioning> root');
  const extraRoots = Object.keys(doc).filter((k) => k !== 'provisioning' && k !== '?xml');
  if (extraRoots.length > 0) throw new Error(`unexpected top-level elements: ${extraRoots.join(', ')}`);
  const nvm = root.nvm as Record<string, unknown> | '' | undefined;
  if (nvm === undefined) throw new Error('no <nvm>');
  const out = new Map<string, string>();
  if (nvm === '') return out;
  const other = Object.keys(nvm).filter((k) => k !== 'param');
  if (other.length > 0) throw new Error(`unexpected elements in <nvm>: ${other.join(', ')}`);
  const params = ([] as unknown[]).concat(nvm.param ?? []);
  for (const p of params) {
    const { '@_name': name, '@_value': value, ...rest } = p as Record<string, unknown>;
    if (typeof name !== 'string' || typeof value !== 'string') throw new Error(`a <param> without name or value: ${JSON.stringify(p)}`);
    if (Object.keys(rest).length > 0) throw new Error(`unexpected content in <param name="${name}">`);
    if (out.has(name)) throw new Error(`param given twice: ${name}`);
    out.set(name, value);
  }
  return out;
}
