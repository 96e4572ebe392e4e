/**
 * After the NOTIFY, a probe fetches what a Snom phone fetches (snom-provisioning.md, "How a phone finds its
 * files"): a URL ending in `/` gives `<phoneType>.htm`, then `<phoneType>-<MAC>.htm`; `{mac}` (and
 * `{phone_type}`) are substituted; every `<file url>` of a `<setting-files>` container is fetched in order; last,
 * the file the setting `firmware_status` names. Settings are collected as the phone would hold them (later files
 * override earlier ones), for a summary with secrets masked.
 */
import { create } from 'xmlbuilder2';
import type { VendorModule } from '../vendors/vendor.js';

/** What the probe needs of the vendor it plays (from the registry): its file names and which one carries secrets. */
export type ProbedVendor = Pick<VendorModule, 'parseFileName' | 'carriesSecrets'>;

export interface FetchStep {
  url: string;
  status?: number;
  /** Root element of a 200 answer that parsed. */
  root?: string;
  /** What went wrong: a network error, no XML, ... */
  error?: string;
  /** Not fetched, and why (a device's settings under a PnP token: fetching them would enrol the device). */
  skipped?: string;
}

export interface SnomFetch {
  steps: FetchStep[];
  /** Effective settings, keyed `name` or `name[idx]`. */
  settings: Map<string, string>;
  functionKeys: number;
  phonebookEntries: number;
  firmwareImage?: string;
}

export interface SnomPhoneLike {
  mac: string;
  phoneType: string;
  userAgent: string;
  timeoutMs: number;
  /** Requests at most, against containers listing each other; default 20. */
  maxRequests?: number;
  /**
   * `public` (the default): a device's settings file under a PnP token is not fetched, because the first fetch of it
   * enrols the device (enrolment.ts) and the real phone would then be refused its token; the same file without the
   * token (the public, secret-free bootstrap) is fetched instead. `enrol`: fetched as the phone fetches it.
   */
  tokenSettings?: 'public' | 'enrol';
  /** The vendor whose phone this plays (Snom's lineage: folder URLs, phone-type file names, `<setting-files>`). */
  vendor: ProbedVendor;
}

/** `/t/<token>/` in a provisioning URL. */
const TOKEN_SCOPE = /\/t\/[A-Za-z0-9_-]{24}\//;

/** Whether a NOTIFY URL carries a PnP token (the service offered the device its secrets). */
export function carriesToken(url: string): boolean {
  return TOKEN_SCOPE.test(url);
}

/** The URL of a device's settings file without its token scope, or undefined for any other URL. */
export function publicSettingsUrl(url: string, vendor: ProbedVendor): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (!TOKEN_SCOPE.test(parsed.pathname)) return undefined;
  const file = vendor.parseFileName(parsed.pathname.split('/').pop() ?? '');
  if (file === undefined || !vendor.carriesSecrets(file)) return undefined;
  parsed.pathname = parsed.pathname.replace(TOKEN_SCOPE, '/');
  return parsed.href;
}

const ELEMENT_NODE = 1;
interface DomElement {
  nodeType: number;
  nodeName: string;
  textContent: string | null;
  childNodes: ArrayLike<DomElement>;
  getAttribute(name: string): string | null;
}

export async function fetchLikeSnom(notifyUrl: string, phone: SnomPhoneLike): Promise<SnomFetch> {
  const result: SnomFetch = { steps: [], settings: new Map(), functionKeys: 0, phonebookEntries: 0 };
  const max = phone.maxRequests ?? 20;
  const queue = firstUrls(notifyUrl, phone);
  while (queue.length > 0 && result.steps.length < max) {
    let url = queue.shift() as string;
    const publicUrl = phone.tokenSettings === 'enrol' ? undefined : publicSettingsUrl(url, phone.vendor);
    if (publicUrl) {
      result.steps.push({ url, skipped: 'not fetched: the first fetch under a PnP token enrols the device (--enrol)' });
      url = publicUrl;
    }
    const root = await fetchXml(url, phone, result.steps);
    if (!root) continue;
    if (root.nodeName === 'setting-files') {
      const listed = elements(root).filter((e) => e.nodeName === 'file').map((e) => e.getAttribute('url')).filter((u): u is string => Boolean(u));
      queue.unshift(...listed.map((u) => new URL(u, url).href));
    } else {
      apply(root, result);
    }
    if (queue.length === 0) {
      const firmware = result.settings.get('firmware_status');
      if (firmware && !result.steps.some((s) => s.url === firmware)) queue.push(firmware);
    }
  }
  return result;
}

function firstUrls(url: string, phone: SnomPhoneLike): string[] {
  const mac = phone.mac.toUpperCase();
  if (url.endsWith('/')) return [`${url}${phone.phoneType}.htm`, `${url}${phone.phoneType}-${mac}.htm`];
  return [url.replace(/\{mac\}/g, mac).replace(/\{phone_type\}/g, phone.phoneType)];
}

async function fetchXml(url: string, phone: SnomPhoneLike, steps: FetchStep[]): Promise<DomElement | undefined> {
  const step: FetchStep = { url };
  steps.push(step);
  let text: string;
  try {
    const res = await fetch(url, { headers: { 'User-Agent': phone.userAgent }, redirect: 'manual', signal: AbortSignal.timeout(phone.timeoutMs) });
    step.status = res.status;
    text = await res.text();
    if (res.status !== 200) return undefined;
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
    step.error = (cause as { code?: string }).code ?? (cause instanceof Error ? cause.message : String(cause));
    return undefined;
  }
  try {
    const doc = create(text);
    const root = (doc.node as unknown as { documentElement: DomElement | null }).documentElement;
    if (!root) throw new Error('no root element');
    step.root = root.nodeName;
    return root;
  } catch {
    step.error = 'not XML';
    return undefined;
  }
}

function apply(root: DomElement, result: SnomFetch): void {
  const sections = root.nodeName === 'settings' ? elements(root) : [root];
  for (const section of sections) {
    switch (section.nodeName) {
      case 'phone-settings':
        for (const s of elements(section)) {
          const idx = s.getAttribute('idx');
          result.settings.set(idx === null ? s.nodeName : `${s.nodeName}[${idx}]`, s.textContent ?? '');
        }
        break;
      case 'functionKeys': case 'function-keys':
        result.functionKeys = elements(section).length;
        break;
      case 'tbook': case 'phone-book':
        result.phonebookEntries = elements(section).length;
        break;
      case 'firmware-settings': {
        const image = elements(section).find((e) => e.nodeName === 'firmware')?.textContent;
        if (image) result.firmwareImage = image;
        break;
      }
    }
  }
}

function elements(node: DomElement): DomElement[] {
  return Array.from(node.childNodes).filter((n) => n.nodeType === ELEMENT_NODE);
}

/** The settings with every secret value masked (an empty one stays empty). */
export function maskedSettings(settings: ReadonlyMap<string, string>, isSecret: (name: string) => boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of settings) out[key] = isSecret(key.replace(/\[\d+\]$/, '')) && value !== '' ? '********' : value;
  return out;
}

/** The identities the phone would register: `user_name@user_host` of each active one. */
export function identities(settings: ReadonlyMap<string, string>): Array<{ idx: number; user: string; host: string; password: boolean }> {
  const out = [];
  for (let idx = 1; idx <= 12; idx++) {
    const user = settings.get(`user_name[${idx}]`);
    if (settings.get(`user_active[${idx}]`) === 'off' || !user) continue;
    out.push({ idx, user, host: settings.get(`user_host[${idx}]`) ?? '', password: (settings.get(`user_pass[${idx}]`) ?? '') !== '' });
  }
  return out;
}
