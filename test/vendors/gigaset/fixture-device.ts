/** The Maxwell the render tests and golden files describe. */
import type { Device } from '../../../lib/devices/device.js';

export const MAXWELL_DEVICE: Device = {
  mac: '7C2F8030D21E',
  model: 'Maxwell 3',
  accounts: [
    { user: '2004', password: 'gs<secret>&"', displayName: 'Dee & Co', registrar: 'pbx.example.net:5070', transport: 'tls', outboundProxy: 'proxy.example.net' },
    { user: '2005', authUser: 'auth2005', password: 'second-pw', registrar: 'pbx.example.net' },
  ],
  functionKeys: [
    { index: 0, type: 'line', account: 2 },
    { index: 1, type: 'blf', value: '2001', label: 'Ada' },
    { index: 2, type: 'speed', value: '+4930123', label: 'Office' },
    { index: 3, type: 'park', value: '700', label: 'Park' },
  ],
  phonebook: [],
  snom: [],
  language: 'de-de',
  timezone: 'GMT+1.Europe/Berlin',
  ntpServer: 'ntp.example.net',
  web: { password: 'web-admin-pw' },
  raw: { gigaset: { 'Telephony.ToneScheme': 'GER' } },
};
