/**
 * A small office, as the inventory would resolve it: one device per kind of Snom phone whose User-Agent the
 * documentation shows, each with a distinct account, so a test can tell whose data a phone received.
 */
import type { Device, DeviceProfile } from '../../lib/devices/device.js';

export interface ExamplePhone {
  device: Device;
  phoneType: string;
  userAgent: string;
}

function device(mac: string, model: string, rest: Partial<Device>): Device {
  return { mac, model, accounts: [], functionKeys: [], phonebook: [], snom: [], ...rest };
}

const officeBook = [
  { name: 'R&D <Lab>', number: '2090', category: 'colleagues' as const },
  { name: 'Jürgen Grün', number: '+49 30 1234567', numberType: 'mobile' as const },
];

export const examplePhones: Record<'reception' | 'lab' | 'manager' | 'warehouse' | 'hall', ExamplePhone> = {
  /** Old firmware: its User-Agent carries no MAC. */
  reception: {
    phoneType: 'snom320',
    userAgent: 'Mozilla/4.0 (compatible; snom320-SIP 8.4.18 1.1.3-s)',
    device: device('000413100320', '320', {
      accounts: [{ user: '2001', password: 'pw-reception-2001', displayName: 'Reception', registrar: 'pbx.example.net' }],
      functionKeys: [{ type: 'blf', value: '2002', label: 'Lab', pickup: '*8' }],
      phonebook: officeBook,
      language: 'Deutsch',
    }),
  },
  lab: {
    phoneType: 'snom710',
    userAgent: 'Mozilla/4.0 (compatible; snom710-SIP 8.7.5.35 1.1.5-IFX-05.01.12 000413741767)',
    device: device('000413741767', '710', {
      accounts: [
        { user: '2002', password: 'pw-lab-2002', displayName: 'R&D Lab', registrar: 'pbx.example.net:5060', transport: 'tcp' },
        { user: '2902', authUser: 'lab-alt', password: 'pw-lab-2902', registrar: 'pbx.example.net' },
      ],
      functionKeys: [{ type: 'speed', value: '2001', label: 'Reception' }, { type: 'line', account: 2 }],
      phonebook: officeBook,
    }),
  },
  /** A current desk phone with a firmware wish. */
  manager: {
    phoneType: 'snomD785',
    userAgent: 'Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 2010.12-00004-g9ba52f5 000413922D24 SXM:0 UXM:0)',
    device: device('000413922D24', 'D785', {
      accounts: [{ user: '2003', password: 'pw-manager-2003', displayName: 'Manager', registrar: 'pbx.example.net', srtp: true }],
      functionKeys: [
        { type: 'blf', value: '2001', label: 'Reception', pickup: '*8' },
        { type: 'blf', value: '2002', label: 'Lab', pickup: '*8' },
      ],
      phonebook: [{ name: 'Board', number: '2100', category: 'vip' }],
      firmware: { url: 'http://fw.example.net/snomD785-10.1.159.12-SIP-r.bin', policy: 'auto_update' },
    }),
  },
  /** DECT base: no `-SIP` token, lower-case MAC in its User-Agent. */
  warehouse: {
    phoneType: 'snomM900',
    userAgent: 'Mozilla/4.0 (compatible; Snom M900 05.20.0001 000413b60680)',
    device: device('000413B60680', 'M900', {
      accounts: [{ user: '2004', password: 'pw-warehouse-2004', displayName: 'Warehouse', registrar: 'pbx.example.net' }],
    }),
  },
  /** A D715, whose phone type drops the D. */
  hall: {
    phoneType: 'snom715',
    userAgent: 'Mozilla/4.0 (compatible; snom715-SIP 10.1.46.16 000413A11FA7)',
    device: device('000413A11FA7', 'D715', {
      accounts: [{ user: '2005', password: 'pw-hall-2005', displayName: 'Hall', registrar: 'pbx.example.net' }],
      functionKeys: [{ type: 'dtmf', value: '*21#', label: 'Night' }],
    }),
  },
};

/** Inventory defaults: what an unknown phone may learn (no secrets here, but the renderer strips them anyway). */
export const exampleDefaults: DeviceProfile = {
  language: 'English',
  timezone: 'GER+1',
  accounts: [{ user: 'defaults-user', password: 'pw-defaults-must-not-leak', registrar: 'pbx.example.net' }],
  web: { user: 'admin', password: 'pw-web-must-not-leak', adminPassword: 'pw-admin-must-not-leak' },
};

/** Every secret above, to assert none of them reaches a file or log it must not. */
export const exampleSecrets: readonly string[] = [
  ...Object.values(examplePhones).flatMap((p) => p.device.accounts.map((a) => a.password ?? '')),
  'pw-defaults-must-not-leak', 'pw-web-must-not-leak', 'pw-admin-must-not-leak',
].filter((s) => s !== '');
