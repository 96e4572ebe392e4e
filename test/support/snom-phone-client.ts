/**
 * A client that behaves like a Snom phone after SIP PnP, written from Snom's documentation and independent of
 * the product's code (it imports nothing from lib/): given the URL of a NOTIFY it requests what the phone
 * requests, in the phone's order, reads each file with its own XML parser (not the one that wrote them) and
 * applies the settings with the phone's permission-flag rules.
 *
 *   URL ending in `/`   -> `<phoneType>.htm`, then `<phoneType>-<MAC>.htm`
 *   URL with `{mac}`    -> that URL with the MAC (upper case) substituted (and `{phone_type}`, as 10.x does)
 *   anything else       -> that URL
 * then every `<file url>` of a `<setting-files>` container in order (later files override earlier ones), and
 * finally the file named by the setting `firmware_status`, if one was set.
 *
 * With `httpClient` (the phone's `http_client_user` / `http_client_pass`) it answers HTTP Digest challenges the way
 * a Snom phone does with those settings, through an independent digest client (digest-client.ts).
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { DigestSession } from './digest-client.js';

export interface SnomPhone {
  notifyUrl: string;
  /** 12 hex digits, any case; the phone writes it upper case. */
  mac: string;
  /** What the phone calls itself, e.g. `snomD735`, `snom715`. */
  phoneType: string;
  userAgent?: string;
  /** Settings the user changed by hand before provisioning (`name` or `name[idx]` -> value). */
  userChanged?: Record<string, string>;
  /** Upper bound on requests, against containers that list each other; default 20. */
  maxRequests?: number;
  /** Credentials for HTTP Digest challenges (Snom `http_client_user` / `http_client_pass`). */
  httpClient?: { user: string; password: string };
  /** Instead of the global fetch: e.g. one bound to a source address or carrying a client certificate. */
  fetch?: (url: string, init: { headers: Record<string, string> }) => Promise<Response>;
}

export interface PhoneRequest {
  url: string;
  status: number;
  contentType?: string;
  /** Root element of the body, when it parsed. */
  root?: string;
}

export interface EffectiveSetting {
  value: string;
  /** The perm flag it was last written with; undefined for a value the user set. */
  perm?: string;
  readOnly: boolean;
  volatile: boolean;
}

export interface PhoneKey { value: string; label?: string; context?: string; perm?: string }
export interface PhoneBookItem { name: string; number: string; numberType?: string; category?: string }
export interface DialplanTemplate { [attribute: string]: string }

export interface SnomPhoneResult {
  requests: PhoneRequest[];
  /** Effective settings, keyed `name` or `name[idx]`. */
  settings: Map<string, EffectiveSetting>;
  /** The effective value of a setting (`setting('user_name', 1)`). */
  setting(name: string, idx?: number): string | undefined;
  /** Function keys by 0-based index. */
  functionKeys: Map<number, PhoneKey>;
  phonebook: PhoneBookItem[];
  dialplan: DialplanTemplate[];
  /** The firmware image URL from the firmware settings file, if the phone fetched one. */
  firmwareImage?: string;
  /** What a careful phone would complain about (unparseable files, unknown flags, misplaced elements). */
  problems: string[];
}

type XNode = Record<string, unknown>;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  trimValues: false,
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: true,
  htmlEntities: true,
});

function tagOf(node: XNode): string | undefined {
  return Object.keys(node).find((k) => k !== ':@' && k !== '#text');
}
function childrenOf(node: XNode): XNode[] {
  const tag = tagOf(node);
  const children = tag ? node[tag] : undefined;
  return Array.isArray(children) ? (children as XNode[]) : [];
}
function elementsOf(node: XNode): XNode[] {
  return childrenOf(node).filter((c) => tagOf(c) !== undefined);
}
function attrsOf(node: XNode): Record<string, string> {
  const attrs = node[':@'];
  return typeof attrs === 'object' && attrs !== null ? (attrs as Record<string, string>) : {};
}
function textOf(node: XNode): string {
  return childrenOf(node).map((c) => (typeof c['#text'] === 'string' ? c['#text'] : '')).join('');
}
function childText(node: XNode, tag: string): string | undefined {
  const child = elementsOf(node).find((c) => tagOf(c) === tag);
  return child ? textOf(child) : undefined;
}

export async function provisionSnomPhone(phone: SnomPhone): Promise<SnomPhoneResult> {
  const mac = phone.mac.toUpperCase();
  const maxRequests = phone.maxRequests ?? 20;
  const requests: PhoneRequest[] = [];
  const problems: string[] = [];
  const settings = new Map<string, EffectiveSetting>();
  for (const [key, value] of Object.entries(phone.userChanged ?? {})) settings.set(key, { value, readOnly: false, volatile: false });
  const userChanged = new Set(Object.keys(phone.userChanged ?? {}));
  const functionKeys = new Map<number, PhoneKey>();
  let phonebook: PhoneBookItem[] = [];
  const dialplan: DialplanTemplate[] = [];

  const digest = phone.httpClient ? new DigestSession(phone.httpClient.user, phone.httpClient.password) : undefined;
  const get = phone.fetch ?? ((url: string, init: { headers: Record<string, string> }) => fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(5000) }));

  /** One GET, answering a digest challenge once when the phone has credentials (and reusing the nonce after). */
  async function authorisedGet(url: string, headers: Record<string, string>): Promise<Response> {
    const uri = new URL(url).pathname + new URL(url).search;
    const withAuth = (): Record<string, string> => {
      const authorization = digest?.authorization('GET', uri);
      return authorization ? { ...headers, authorization } : headers;
    };
    let res = await get(url, { headers: withAuth() });
    if (res.status === 401 && digest?.accept(res.headers.get('www-authenticate'))) {
      await res.text();
      res = await get(url, { headers: withAuth() });
    }
    return res;
  }

  async function fetchXml(url: string): Promise<XNode | undefined> {
    if (requests.length >= maxRequests) throw new Error(`phone made more than ${maxRequests} requests`);
    const headers: Record<string, string> = {};
    if (phone.userAgent) headers['user-agent'] = phone.userAgent;
    const res = await authorisedGet(url, headers);
    const body = await res.text();
    const request: PhoneRequest = { url, status: res.status };
    const contentType = res.headers.get('content-type');
    if (contentType) request.contentType = contentType;
    requests.push(request);
    if (res.status !== 200) return undefined;
    const valid = XMLValidator.validate(body);
    if (valid !== true) {
      problems.push(`${url}: not well-formed XML (${valid.err.msg})`);
      return undefined;
    }
    if (!body.startsWith('<?xml')) problems.push(`${url}: no XML declaration`);
    const root = (parser.parse(body) as XNode[]).find((n) => { const t = tagOf(n); return t !== undefined && t !== '?xml'; });
    const rootTag = root ? tagOf(root) : undefined;
    if (rootTag) request.root = rootTag;
    return root;
  }

  function applyPhoneSettings(node: XNode, url: string): void {
    for (const el of elementsOf(node)) {
      const name = tagOf(el) as string;
      const attrs = attrsOf(el);
      const key = attrs.idx !== undefined ? `${name}[${attrs.idx}]` : name;
      const value = textOf(el);
      const perm = attrs.perm;
      if (perm === undefined) problems.push(`${url}: ${key} has no perm attribute`);
      const current = settings.get(key);
      switch (perm) {
        case '!':
          if (userChanged.has(key)) continue; // the user's own value stays
          settings.set(key, { value, perm, readOnly: false, volatile: false });
          break;
        case '$': case 'RW': case '': case undefined:
          settings.set(key, { value, perm: perm ?? '', readOnly: false, volatile: false });
          break;
        case '&': case 'R': case ' ':
          settings.set(key, { value, perm, readOnly: true, volatile: false });
          break;
        case 'V':
          settings.set(key, { value, perm, readOnly: current?.readOnly ?? false, volatile: true });
          break;
        default:
          problems.push(`${url}: ${key} has an unknown perm flag ${JSON.stringify(perm)}`);
      }
    }
  }

  function applyFunctionKeys(node: XNode, url: string): void {
    for (const el of elementsOf(node)) {
      const attrs = attrsOf(el);
      const idx = Number(attrs.idx);
      if (tagOf(el) !== 'fkey' || !Number.isInteger(idx) || idx < 0) {
        problems.push(`${url}: unexpected function key element ${tagOf(el)} idx=${attrs.idx}`);
        continue;
      }
      if (attrs.perm === '!' && functionKeys.has(idx)) continue;
      const key: PhoneKey = { value: textOf(el) };
      if (attrs.label !== undefined) key.label = attrs.label;
      if (attrs.context !== undefined) key.context = attrs.context;
      if (attrs.perm !== undefined) key.perm = attrs.perm;
      functionKeys.set(idx, key);
    }
  }

  function applyPhonebook(node: XNode): void {
    const items: PhoneBookItem[] = elementsOf(node).filter((el) => tagOf(el) === 'item' || tagOf(el) === 'entry').map((el) => {
      const item: PhoneBookItem = { name: childText(el, 'name') ?? '', number: childText(el, 'number') ?? '' };
      const numberType = childText(el, 'number_type');
      if (numberType !== undefined) item.numberType = numberType;
      const category = attrsOf(el).type;
      if (category !== undefined) item.category = category;
      return item;
    });
    phonebook = attrsOf(node).complete === 'true' ? items : [...phonebook, ...items];
  }

  function applySection(node: XNode, url: string): void {
    const tag = tagOf(node);
    switch (tag) {
      case 'phone-settings': applyPhoneSettings(node, url); break;
      case 'functionKeys': case 'function-keys': applyFunctionKeys(node, url); break;
      case 'tbook': case 'phone-book': applyPhonebook(node); break;
      case 'dialplan':
        for (const el of elementsOf(node)) if (tagOf(el) === 'TEMPLATE') dialplan.push({ ...attrsOf(el) });
        break;
      case 'gui-languages': case 'web-languages': break; // language files the phone would fetch on demand

      default: problems.push(`${url}: ignored element <${tag}>`);
    }
  }

  async function follow(url: string, depth: number): Promise<void> {
    const root = await fetchXml(url);
    if (!root) return;
    const tag = tagOf(root);
    if (tag === 'setting-files') {
      if (depth > 2) { problems.push(`${url}: containers nested too deep`); return; }
      for (const el of elementsOf(root)) {
        const fileUrl = attrsOf(el).url;
        if (tagOf(el) !== 'file' || !fileUrl) { problems.push(`${url}: unexpected container entry <${tagOf(el)}>`); continue; }
        await follow(new URL(fileUrl, url).href, depth + 1);
      }
    } else if (tag === 'settings') {
      for (const section of elementsOf(root)) applySection(section, url);
    } else if (tag === 'firmware-settings') {
      problems.push(`${url}: firmware settings must only be reached through firmware_status`);
    } else {
      applySection(root, url);
    }
  }

  const start = phone.notifyUrl;
  if (start.includes('{mac}') || start.includes('{phone_type}')) {
    await follow(start.replaceAll('{mac}', mac).replaceAll('{phone_type}', phone.phoneType), 0);
  } else if (start.endsWith('/')) {
    await follow(`${start}${phone.phoneType}.htm`, 0);
    await follow(`${start}${phone.phoneType}-${mac}.htm`, 0);
  } else {
    await follow(start, 0);
  }

  const result: SnomPhoneResult = {
    requests, settings, functionKeys, phonebook, dialplan, problems,
    setting: (name, idx) => settings.get(idx === undefined ? name : `${name}[${idx}]`)?.value,
  };
  const firmwareStatus = settings.get('firmware_status')?.value.trim();
  if (firmwareStatus) {
    const root = await fetchXml(firmwareStatus);
    if (root && tagOf(root) === 'firmware-settings') {
      const image = childText(root, 'firmware')?.trim();
      if (image) result.firmwareImage = image;
    } else if (root) {
      problems.push(`${firmwareStatus}: expected <firmware-settings>, got <${tagOf(root)}>`);
    }
  }
  return result;
}
