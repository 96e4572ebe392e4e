/**
 * The inventory file's shape (zod 4, strict: an unknown key is an error, so a typo never goes unnoticed).
 *
 * An empty value (`description:` with nothing after it) counts as not given. Text fields also take plain
 * numbers, exactly as written (`user: 2001`, `number: +4930123`, `password: 0815`).
 */
import { z } from 'zod';
import type {
  DialplanRule, FirmwarePolicy, FunctionKey, FunctionKeyType, NumberType, PhonebookCategory, PhonebookEntry,
  SipTransport, SnomRawSetting,
} from '../devices/device.js';
import type { ProfileLayer } from './resolve.js';
import { YamlNumber } from './yaml-tree.js';
import { definedOnly } from './plain-objects.js';

export const MAX_ACCOUNTS = 12;
export const MAX_KEY_INDEX = 511;

const FUNCTION_KEY_TYPES = [
  'line', 'blf', 'speed', 'dtmf', 'url', 'xml', 'park', 'pickup', 'transfer', 'redirect', 'conference', 'keyevent', 'none',
] as const satisfies readonly FunctionKeyType[];
const TRANSPORTS = ['udp', 'tcp', 'tls'] as const satisfies readonly SipTransport[];
const CATEGORIES = ['colleagues', 'family', 'friends', 'vip', 'business', 'none'] as const satisfies readonly PhonebookCategory[];
const NUMBER_TYPES = ['sip', 'fixed', 'mobile', 'home', 'business'] as const satisfies readonly NumberType[];
const POLICIES = ['auto_update', 'ask_for_update', 'settings_only', 'never_update'] as const satisfies readonly FirmwarePolicy[];
/** Snom's permission flags (snom-provisioning.md, "Permission flags"). */
export const SNOM_PERMS = ['!', '$', '&', 'R', 'RW', '', ' ', 'V'] as const;

// Compile-time guard: every member of the model's unions is accepted here.
type Missing<All, Listed> = Exclude<All, Listed> extends never ? true : never;
const allListed: [
  Missing<FunctionKeyType, (typeof FUNCTION_KEY_TYPES)[number]>, Missing<PhonebookCategory, (typeof CATEGORIES)[number]>,
  Missing<NumberType, (typeof NUMBER_TYPES)[number]>, Missing<FirmwarePolicy, (typeof POLICIES)[number]>,
] = [true, true, true, true];
void allListed;

const absentIfNull = (v: unknown): unknown => (v === null ? undefined : v);
const numberAsWritten = (v: unknown): unknown => (v instanceof YamlNumber ? v.source : v);
const numberValue = (v: unknown): unknown => (v instanceof YamlNumber ? v.value : v);

function opt<T extends z.ZodType>(schema: T) {
  return z.preprocess(absentIfNull, schema.optional());
}
const text = () => z.preprocess(numberAsWritten, z.string());
const nonEmptyText = () => z.preprocess(numberAsWritten, z.string().min(1));
const whole = (min: number, max: number) => z.preprocess(numberValue, z.number().int().min(min).max(max));
const flag = () => z.boolean();
/** A strict mapping; a plain number in its place is reported as a number, not as an object with odd keys. */
const mapping = <S extends z.core.$ZodLooseShape>(shape: S) => z.preprocess(numberValue, z.strictObject(shape));

const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)(:\d{1,5})?$/;
const host = () => nonEmptyText().refine((s) => HOST_PORT.test(s), {
  message: 'expected host or host:port, e.g. pbx.example.net or pbx.example.net:5060 (no sip:, no ;parameters)',
});
const url = () => nonEmptyText().refine((s) => /^(https?|tftp):\/\/\S+$/i.test(s) && URL.canParse(s), {
  message: 'expected an http://, https:// or tftp:// URL',
});

/**
 * A password as written, `null` when the key is there with nothing after it. An empty password is refused where
 * it is written (see {@link refuseEmptyPasswords}): `password:` alone, `password: ""`, and what YAML makes of
 * `password: &Secr3t` are far more often a mistake than a wish, and the phone would get no password at all.
 */
const passwordText = () => z.preprocess(numberAsWritten, z.string().nullable()).optional();

const EMPTY_PASSWORD = 'empty password: write it in quotes (password: "…")';

/** Refuses an empty `password` (and web `adminPassword`) unless `allowEmpty` says the account has none on purpose. */
function refuseEmptyPasswords(fields: readonly string[], hint: string) {
  return (value: Record<string, unknown>, ctx: z.RefinementCtx) => {
    for (const field of fields) {
      const v = value[field];
      if (v === null || v === '') ctx.addIssue({ code: 'custom', path: [field], message: `${EMPTY_PASSWORD}; ${hint}` });
    }
  };
}

/**
 * `noPassword: true` says an account registers without a password (IP-authenticated trunks, test PBXs): its
 * password is empty, whatever an earlier layer gave, and it may not also have one.
 */
const accountSchema = mapping({
  user: opt(nonEmptyText()),
  authUser: opt(nonEmptyText()),
  password: passwordText(),
  noPassword: opt(flag()),
  displayName: opt(text()),
  registrar: opt(host()),
  port: opt(whole(1, 65_535)),
  outboundProxy: opt(host()),
  transport: opt(z.enum(TRANSPORTS)),
  srtp: opt(flag()),
  mailbox: opt(text()),
  label: opt(text()),
}).superRefine((account, ctx) => {
  if (account.noPassword !== true) {
    refuseEmptyPasswords(['password'], 'an account that has none says noPassword: true')(account, ctx);
  } else if (typeof account.password === 'string' && account.password !== '') {
    ctx.addIssue({ code: 'custom', path: ['noPassword'], message: 'noPassword: true and a password: keep one of them' });
  }
}).transform(({ noPassword, ...account }) => definedOnly({
  // Spread first, so the password keeps its place among the fields.
  ...account, password: noPassword === true ? '' : account.password ?? undefined,
}));

const functionKeySchema = mapping({
  type: z.enum(FUNCTION_KEY_TYPES),
  value: opt(text()),
  label: opt(text()),
  pickup: opt(text()),
  account: opt(whole(1, MAX_ACCOUNTS)),
});

const keyNumber = z.string().regex(/^\d{1,3}$/, { message: `key numbers are 0 to ${MAX_KEY_INDEX}` })
  .refine((s) => Number(s) <= MAX_KEY_INDEX, { message: `key numbers are 0 to ${MAX_KEY_INDEX}` });

/** A list replaces the inherited layout; a mapping keyed by key number overrides single keys. */
const functionKeysSchema = z.union([
  z.array(functionKeySchema).max(MAX_KEY_INDEX + 1),
  z.preprocess(numberValue, z.record(keyNumber, functionKeySchema)).transform((rec) => new Map(Object.entries(rec).map(([k, v]) => [Number(k), v]))),
]);

const phonebookEntrySchema = mapping({
  name: nonEmptyText(),
  number: nonEmptyText(),
  category: opt(z.enum(CATEGORIES)),
  numberType: opt(z.enum(NUMBER_TYPES)),
});

const dialplanRuleSchema = mapping({
  match: nonEmptyText(),
  rewrite: opt(text()),
  timeout: opt(whole(0, 3600)),
});

const firmwareSchema = mapping({
  url: opt(url()),
  policy: opt(z.enum(POLICIES)),
  checkIntervalMinutes: opt(whole(0, 525_600)),
});

const languageFileSchema = mapping({ name: nonEmptyText(), url: url() });
const languageFilesSchema = mapping({
  gui: opt(z.array(languageFileSchema)),
  web: opt(z.array(languageFileSchema)),
});

const webSchema = mapping({
  user: opt(text()),
  password: passwordText(),
  adminPassword: passwordText(),
}).superRefine(refuseEmptyPasswords(['password', 'adminPassword'], 'to set none, leave the key out'))
  .transform((web) => definedOnly({ ...web, password: web.password ?? undefined, adminPassword: web.adminPassword ?? undefined }));

/** Setting names become XML element names, so they must be valid ones. */
const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,99}$/;
const rawScalar = z.preprocess(
  (v) => (v === null ? '' : typeof v === 'boolean' ? String(v) : numberAsWritten(v)), z.string());
const rawObject = mapping({
  value: rawScalar,
  perm: opt(z.enum(SNOM_PERMS)),
  idx: opt(whole(0, 9999)),
});
/** `name: value`, `name: {value, perm, idx}`, or a list of `{value, perm, idx}` for several indexes of one name. */
const rawEntry = z.union([rawScalar, rawObject, z.array(rawObject).min(1)]);

const snomSchema = z.preprocess(numberValue, z.record(z.string().regex(SETTING_NAME, { message: 'not a valid setting name' }), rawEntry)
  .superRefine((rec, ctx) => {
    for (const [name, entry] of Object.entries(rec)) {
      if (!Array.isArray(entry)) continue;
      const seen = new Set<string>();
      entry.forEach((s, i) => {
        const key = String(s.idx ?? '');
        if (seen.has(key)) {
          ctx.addIssue({ code: 'custom', path: [name, i, 'idx'], message: s.idx === undefined
            ? 'several values for one setting need an idx each' : `idx ${s.idx} is given twice` });
        }
        seen.add(key);
      });
    }
  })
  .transform((rec): SnomRawSetting[] => Object.entries(rec).flatMap(([name, entry]) => {
    const list = typeof entry === 'string' ? [{ value: entry }] : Array.isArray(entry) ? entry : [entry];
    return list.map((s) => definedOnly({ name, value: s.value, perm: 'perm' in s ? s.perm : undefined, idx: 'idx' in s ? s.idx : undefined }));
  })));

/** A raw setting name of the key/value vendors: plain, so no format can be broken by it. */
const RAW_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const rawVendorMap = () => opt(z.preprocess(numberValue, z.record(z.string().regex(RAW_NAME, { message: 'not a valid setting name' }), rawScalar)));
/**
 * `raw.<vendor>`: any lower-case vendor id, so a new vendor needs no line here (the inventory knows no vendor list;
 * `check` reports an id no vendor renders, through the registry).
 */
const rawSchema = z.preprocess(numberValue, z.record(
  z.string().regex(/^[a-z0-9-]{1,32}$/, { message: 'a lower-case vendor id, e.g. yealink, grandstream, fanvil' }),
  rawVendorMap(),
));

const profileShape = {
  accounts: opt(z.array(accountSchema).max(MAX_ACCOUNTS)),
  language: opt(nonEmptyText()),
  webLanguage: opt(nonEmptyText()),
  timezone: opt(nonEmptyText()),
  toneScheme: opt(nonEmptyText()),
  ntpServer: opt(host()),
  web: opt(webSchema),
  functionKeys: opt(functionKeysSchema),
  phonebook: opt(z.array(phonebookEntrySchema)),
  dialplan: opt(z.array(dialplanRuleSchema)),
  firmware: opt(firmwareSchema),
  languageFiles: opt(languageFilesSchema),
  keepPnp: opt(flag()),
  settingsRefreshSeconds: opt(whole(0, 31_536_000)),
  snom: opt(snomSchema),
  raw: opt(rawSchema),
  vendor: opt(z.string().regex(/^[a-z0-9-]{1,32}$/, { message: 'a lower-case vendor id, e.g. snom, yealink, grandstream, fanvil, gigaset' })),
};

export const profileSchema = mapping(profileShape);

const deviceShape = {
  model: opt(nonEmptyText()),
  group: opt(nonEmptyText()),
  description: opt(text()),
  ...profileShape,
};

/** The fields a device entry may have, as written (for matching CSV headers written in another case). */
export const DEVICE_FIELD_NAMES: readonly string[] = ['mac', ...Object.keys(deviceShape)];
/** The fields of an account. */
export const ACCOUNT_FIELD_NAMES: readonly string[] = [
  'user', 'authUser', 'password', 'noPassword', 'displayName', 'registrar', 'outboundProxy', 'transport', 'srtp', 'mailbox', 'label',
];

/** A device in the list form: `- mac: 000413A11FA7`. */
export const deviceListEntrySchema = mapping({ mac: nonEmptyText(), ...deviceShape });
/** A device in the mapping form: `000413A11FA7: {...}` (the key is the MAC; an empty entry is allowed). */
export const deviceMapEntrySchema = z.preprocess((v) => (v === null ? {} : v), mapping(deviceShape));

const layerMap = z.preprocess(numberValue, z.record(z.string().min(1), z.preprocess((v) => (v === null ? {} : v), profileSchema)));

/** The top level. `devices` is checked entry by entry, so each problem can name its device. */
export const inventorySchema = z.strictObject({
  defaults: opt(profileSchema),
  groups: opt(layerMap),
  models: opt(layerMap),
  devices: z.unknown().optional(),
});

export type DeviceListEntry = z.output<typeof deviceListEntrySchema>;
export type DeviceMapEntry = z.output<typeof deviceMapEntrySchema>;

// Compile-time guard: what the schema produces is a layer resolve.ts accepts.
const layerFits = (p: z.output<typeof profileSchema>): ProfileLayer => p;
const entryFits = (p: DeviceMapEntry): ProfileLayer => p;
void layerFits;
void entryFits;

// Compile-time guard: the list items are the model's types.
const itemsFit = (
  k: z.output<typeof functionKeySchema>, e: z.output<typeof phonebookEntrySchema>, r: z.output<typeof dialplanRuleSchema>,
): [FunctionKey, PhonebookEntry, DialplanRule] => [k, e, r];
void itemsFit;

