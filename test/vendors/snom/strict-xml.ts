/**
 * A strict XML 1.0 reader for tests: any well-formedness error (a forbidden character, a bad entity, a broken
 * tag) throws. Gives back a small element tree to compare values with.
 */
import { SaxesParser } from 'saxes';

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** Text directly inside this element (whitespace between child elements included). */
  text: string;
}

export interface XmlDocument {
  version?: string;
  encoding?: string;
  root: XmlElement;
}

export function parseStrictXml(xml: string): XmlDocument {
  const parser = new SaxesParser();
  const errors: string[] = [];
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let decl: { version?: string; encoding?: string } = {};
  parser.on('error', (e) => { errors.push(e.message); });
  parser.on('xmldecl', (d) => { decl = { version: d.version, encoding: d.encoding }; });
  parser.on('opentag', (tag) => {
    const el: XmlElement = { name: tag.name, attributes: { ...tag.attributes } as Record<string, string>, children: [], text: '' };
    const parent = stack.at(-1);
    if (parent) parent.children.push(el);
    else root = el;
    stack.push(el);
  });
  parser.on('text', (t) => { const top = stack.at(-1); if (top) top.text += t; });
  parser.on('closetag', () => { stack.pop(); });
  parser.write(xml).close();
  if (errors.length > 0) throw new Error(`not well-formed XML: ${errors.join('; ')}`);
  if (!root) throw new Error('no root element');
  return { ...decl, root };
}

/** Children of `el` named `name`. */
export function childrenNamed(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}

/** The one child named `name`; throws if there is not exactly one. */
export function child(el: XmlElement, name: string): XmlElement {
  const found = childrenNamed(el, name);
  if (found.length !== 1) throw new Error(`expected one <${name}> in <${el.name}>, found ${found.length}`);
  return found[0] as XmlElement;
}
