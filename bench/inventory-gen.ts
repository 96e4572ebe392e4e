/**
 * Generated inventories for benchmarks and storms: `count` devices with distinct MACs, written the way an
 * operator's script would write them (list form, groups and models, one account each, some with BLF keys, a
 * personal phone book entry or a raw setting). Deterministic: the same count and seed give the same text.
 */

export interface GeneratedInventory {
  text: string;
  /** The MACs in file order (12 upper-case hex digits). */
  macs: string[];
  /** Each device's SIP password, by MAC: a response carrying another device's password is a leak. */
  passwords: Map<string, string>;
  /** Each device's model (`D735`, ...), in file order: a Snom phone calls itself `snom<model>`. */
  models: string[];
}

/** Snom's OUI, then the device number: distinct and valid for up to 2^24 devices. */
export function benchMac(i: number, prefix = '000413'): string {
  return `${prefix}${i.toString(16).toUpperCase().padStart(6, '0')}`;
}

/** A small deterministic PRNG (mulberry32): benchmarks and fault tests are reproducible from their seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MODELS = ['D735', 'D785', 'D717', 'D865'];
const GROUPS = ['berlin-office', 'hamburg-office', 'support', 'sales'];
const FIRST = ['Dana', 'Anna', 'Jürgen', 'Mei', 'Olu', 'Sven', 'Ana', 'Yusuf', 'Lena', 'Raj'];
const LAST = ['Ruiz', 'Berg', 'Müller', 'Chen', 'Okafor', 'Larsen', 'Silva', 'Demir', 'Weber', 'Patel'];

/** The password the generator gives device `i` (recognisable in bodies: `pw-<i>-<salt>`). */
export function benchPassword(i: number, salt: string): string {
  return `pw-${i.toString(36)}-${salt}`;
}

export function generateInventory(count: number, options: { seed?: number; prefix?: string } = {}): GeneratedInventory {
  const random = prng(options.seed ?? 1);
  const salt = Math.floor(random() * 36 ** 6).toString(36).padStart(6, '0');
  const macs: string[] = [];
  const passwords = new Map<string, string>();
  const models: string[] = [];
  const parts: string[] = [HEADER];
  for (let i = 0; i < count; i++) {
    const mac = benchMac(i, options.prefix);
    const password = benchPassword(i, salt);
    macs.push(mac);
    passwords.set(mac, password);
    models.push(MODELS[i % MODELS.length] ?? 'D735');
    const name = `${FIRST[i % FIRST.length] ?? 'X'} ${LAST[Math.floor(i / FIRST.length) % LAST.length] ?? 'Y'}`;
    const user = String(10000 + i);
    let entry = `  - mac: ${i % 3 === 0 ? mac.match(/../g)?.join(':') ?? mac : mac}\n`
      + `    model: ${MODELS[i % MODELS.length] ?? 'D735'}\n`
      + `    group: ${GROUPS[Math.floor(random() * GROUPS.length)] ?? 'sales'}\n`
      + `    description: Desk ${i}\n`
      + '    accounts:\n'
      + `      - user: "${user}"\n`
      + `        password: ${password}\n`
      + `        displayName: ${name}\n`;
    const extra = random();
    if (extra < 0.2) {
      entry += '    functionKeys:\n'
        + `      3: { type: blf, value: "${10000 + ((i + 1) % count)}", pickup: "*8", label: Next }\n`;
    } else if (extra < 0.3) {
      entry += '    phonebook:\n'
        + `      - { name: Mobile, number: "+4917${String(i).padStart(8, '0')}", category: family, numberType: mobile }\n`;
    } else if (extra < 0.35) {
      entry += '    snom:\n      ringer_volume: { value: "6", perm: "!" }\n';
    }
    parts.push(entry);
  }
  return { text: parts.join(''), macs, passwords, models };
}

const HEADER = `# generated for benchmarks
defaults:
  language: Deutsch
  timezone: GER+1
  ntpServer: ntp.example.net
  settingsRefreshSeconds: 86400
  web:
    user: admin
    password: web-secret
  accounts:
    - registrar: pbx.example.net
      transport: udp

groups:
  berlin-office:
    phonebook:
      - { name: Reception, number: "100", category: colleagues, numberType: sip }
  hamburg-office:
    timezone: GER+1
  support:
    language: English
  sales:
    dialplan:
      - { match: "^11[02]$", timeout: 0 }

models:
  D735:
    functionKeys:
      - { type: line, label: Line 1 }
      - { type: line, label: Line 2 }
      - { type: speed, value: "*97", label: Voicemail }
  D785: {}
  D717: {}
  D865: {}

devices:
`;

/**
 * The storm's inventory: `devices` generated devices, `phones` of them booting in the storm, spread evenly over the
 * inventory (every n-th device), so the service holds a site's full inventory while a part of it reboots.
 */
export function benchInventory(devices: number, phones: number): GeneratedInventory & { phoneMacs: string[] } {
  const inv = generateInventory(Math.max(devices, phones), { seed: 1 });
  const stride = inv.macs.length / phones;
  const phoneMacs = Array.from({ length: phones }, (_, i) => inv.macs[Math.floor(i * stride)] ?? '');
  return { ...inv, phoneMacs };
}
