/**
 * Secrets out of a provisioning file shown to an operator, structure kept: the value of every element whose
 * name is a secret setting (the vendor's, from the registry's isSecretRawSetting; by default the neutral name
 * test: `user_pass`, `http_pass`, `RegisterPswd`, ...) becomes `********` (an empty value
 * stays empty, which says "not set"), and so does the password of any `scheme://user:password@` URL in a
 * text or attribute. Everything else is serialised as the renderer wrote it; a file without secrets is
 * returned untouched.
 */
import { create } from 'xmlbuilder2';
import { isSecretName } from '../devices/secret-names.js';

export const MASK = '********';

const URL_CREDENTIALS = /(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@"'<>]*:)[^@/\s"'<>]+@/gi;

/** DOM node types, as numbers (the DOM's constants). */
const ELEMENT_NODE = 1;
const TEXT_NODE = 3;

interface DomNode {
  nodeType: number;
  nodeName: string;
  textContent: string | null;
  childNodes: ArrayLike<DomNode>;
  attributes?: ArrayLike<{ value: string }>;
}

export interface Masked {
  text: string;
  /** How many values were masked. */
  masked: number;
}

export function maskSecrets(xml: string, isSecret: (name: string) => boolean = isSecretName): Masked {
  let doc;
  try {
    doc = create(xml);
  } catch {
    // Not XML (should not happen for rendered files): mask URL credentials at least.
    return maskUrlsOnly(xml);
  }
  let masked = 0;
  const visit = (node: DomNode): void => {
    if (node.nodeType === ELEMENT_NODE) {
      for (const attr of Array.from(node.attributes ?? [])) {
        const value = attr.value.replace(URL_CREDENTIALS, (_m, head: string) => {
          masked++;
          return `${head}${MASK}@`;
        });
        attr.value = value;
      }
      if (isSecret(node.nodeName) && (node.textContent ?? '') !== '') {
        node.textContent = MASK;
        masked++;
        return;
      }
    } else if (node.nodeType === TEXT_NODE && node.textContent) {
      node.textContent = node.textContent.replace(URL_CREDENTIALS, (_m, head: string) => {
        masked++;
        return `${head}${MASK}@`;
      });
    }
    for (const child of Array.from(node.childNodes)) visit(child);
  };
  visit(doc.node as unknown as DomNode);
  if (masked === 0) return { text: xml, masked: 0 };
  // Serialise as the renderer does: pretty-printed, two spaces, empty elements in the form the file used.
  const selfClosing = /"\/>|<[A-Za-z][\w.-]*\/>/.test(xml);
  return { text: `${doc.end({ prettyPrint: true, indent: '  ', allowEmptyTags: !selfClosing })}\n`, masked };
}

function maskUrlsOnly(text: string): Masked {
  let masked = 0;
  const out = text.replace(URL_CREDENTIALS, (_m, head: string) => {
    masked++;
    return `${head}${MASK}@`;
  });
  return { text: out, masked };
}

/**
 * Every whole value equal to one of `secrets` becomes `********`: a value is what stands between `= ` or `>` or
 * `"` and the end of the line, `<` or `"` (Yealink's `key = value`, Grandstream's `<P34>..</P34>`, Gigaset's
 * `value=".."`, Fanvil's elements). For formats whose secret keys have no telling name; a secret that happens to
 * be part of a longer value is left alone, so no other value is damaged.
 */
export function maskSecretValues(text: string, secrets: readonly string[]): Masked {
  let out = text;
  let masked = 0;
  for (const secret of new Set(secrets)) {
    if (secret === '' || secret === MASK) continue;
    for (const escaped of new Set([secret, xmlEscaped(secret)])) {
      const pattern = new RegExp(`(= |>|")${escapeRegExp(escaped)}(?=$|[\\r\\n<"])`, 'gm');
      out = out.replace(pattern, (_m, head: string) => {
        masked++;
        return `${head}${MASK}`;
      });
    }
  }
  return { text: out, masked };
}

/**
 * `key = value` lines (Yealink's format) whose key is a secret setting get `********` as their value (an empty
 * one stays empty): a secret inside a longer value (`static.security.user_password = admin:<password>`) is
 * masked with it.
 */
export function maskSecretKeyLines(text: string, isSecret: (name: string) => boolean = isSecretName): Masked {
  let masked = 0;
  const out = text.replace(/^([A-Za-z0-9_.]+) = ([^\r\n]+)$/gm, (line, key: string, value: string) => {
    if (value === MASK || !isSecret(key)) return line;
    masked++;
    return `${key} = ${MASK}`;
  });
  return { text: masked === 0 ? text : out, masked };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function xmlEscaped(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
