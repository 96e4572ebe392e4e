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
