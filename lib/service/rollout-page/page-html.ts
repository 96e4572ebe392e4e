/**
 * The rollout page's HTML, rendered on the server: the counts, the filters and one table row per device of the
 * one device view. Rows are rendered here only, for the first page and for every live update alike (the stream
 * sends each changed row's HTML), so every value passes through one escaping function. Everything a phone or a
 * host on the LAN can choose (User-Agent, model, firmware, reasons) is text to escape; nothing secret is in a row.
 * The page needs nothing from outside: the style and the script are inline, allowed by a per-response nonce.
 */
import type { EnrolmentStatus } from '../../security/enrolment.js';
import { VIEW_STATUS_LABELS, VIEW_STATUSES, type DeviceSummary, type DeviceViewRow } from '../../state/device-view.js';

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text safe in HTML element content and in double- or single-quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

export interface RowActions {
  /** The enrolment lock is on: reopen is offered for inventory devices (with their enrolment status). */
  enrolment?: (mac: string) => EnrolmentStatus;
  /** An inventory file the page may add devices to. */
  canAdd: boolean;
  /** drachtio is there to send a check-sync. */
  canResync: boolean;
}

function shortTime(iso: string | undefined): string {
  // ISO times as the state writes them: the date and the time to the second, in UTC.
  return iso === undefined ? '' : iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '');
}

export function renderRow(row: DeviceViewRow, actions: RowActions): string {
  const e = escapeHtml;
  const enrolment = row.inInventory ? actions.enrolment?.(row.mac) : undefined;
  const buttons: string[] = [];
  if (!row.inInventory && actions.canAdd) buttons.push(`<button type="button" data-action="add" data-mac="${e(row.mac)}" data-model="${e(row.phoneModel ?? row.model ?? '')}">add to inventory</button>`);
  // `held`: the register was lost while the state remembers the device enrolled; reopening is the operator's word.
  if (enrolment === 'enrolled' || enrolment === 'held') buttons.push(`<button type="button" data-action="reopen" data-mac="${e(row.mac)}">reopen enrolment</button>`);
  if (row.state?.address && actions.canResync) buttons.push(`<button type="button" data-action="resync" data-mac="${e(row.mac)}">resync</button>`);
  const who = row.inInventory
    ? [row.description, row.group].filter((v) => v !== undefined && v !== '').map(e).join(' · ')
    : '<span class="tag">unknown phone</span>';
  const model = row.model ?? row.phoneModel ?? '';
  const note = row.reason === undefined ? '' : `<div class="${row.status === 'refused' ? 'reason' : 'note'}">${e(row.reason)}</div>`;
  const enrolled = enrolment === undefined || enrolment === 'open' ? '' : `<div class="muted">enrolment: ${e(enrolment)}</div>`;
  return `<tr id="row-${e(row.mac)}" data-status="${e(row.status)}" data-completed="${row.completed ? '1' : '0'}" data-unknown="${!row.inInventory && row.state ? '1' : '0'}">`
    + `<td class="mac">${e(row.mac)}</td>`
    + `<td><span class="status s-${e(row.status)}">${e(VIEW_STATUS_LABELS[row.status])}</span>${note}${enrolled}</td>`
    + `<td class="time">${e(shortTime(row.at ?? row.lastSeen))}</td>`
    + `<td>${e(row.address ?? '')}</td>`
    + `<td>${e(model)}${row.phoneModel && row.model && row.phoneModel !== row.model ? ` <span class="muted">(${e(row.phoneModel)})</span>` : ''}</td>`
    + `<td>${e(row.firmware ?? '')}</td>`
    + `<td>${who}</td>`
    + `<td class="actions">${buttons.join(' ')}</td>`
    + '</tr>';
}

/** The counts, as `{id: number}` for the page's script and the first render alike. */
export function countsOf(summary: DeviceSummary): Record<string, number> {
  const counts: Record<string, number> = {
    devices: summary.devices, inventory: summary.inventory, unknown: summary.unknown, incomplete: summary.incomplete, completed: summary.completed,
  };
  for (const s of VIEW_STATUSES) counts[s] = summary.byStatus[s];
  return counts;
}

export function renderPage(rows: readonly DeviceViewRow[], summary: DeviceSummary, actions: RowActions, nonce: string): string {
  const counts = countsOf(summary);
  const tile = (id: string, label: string) => `<div class="tile t-${id}"><span class="n" data-count="${id}">${counts[id] ?? 0}</span><span class="l">${escapeHtml(label)}</span></div>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>drachtio-pnp rollout</title><link rel="icon" href="data:,">
<style nonce="${nonce}">${STYLE}</style></head>
<body>
<header><h1>drachtio-pnp rollout</h1><span id="live" class="live">connecting…</span>
<form method="post" action="/ui/logout"><button type="submit">log out</button></form></header>
<section class="tiles">
${tile('devices', 'devices')}${tile('inventory', 'in the inventory')}${tile('unknown', 'unknown phones')}${tile('incomplete', 'incomplete')}
${VIEW_STATUSES.map((s) => tile(s, VIEW_STATUS_LABELS[s])).join('')}
</section>
<nav class="filters">
<label><input type="radio" name="filter" value="all" checked> all</label>
<label><input type="radio" name="filter" value="incomplete"> incomplete</label>
<label><input type="radio" name="filter" value="unknown"> unknown phones</label>
<label><input type="radio" name="filter" value="refused"> refused</label>
<span id="message" role="status"></span>
</nav>
<table><thead><tr><th>MAC</th><th>status</th><th>since (UTC)</th><th>address</th><th>model</th><th>firmware</th><th>device</th><th></th></tr></thead>
<tbody id="rows">${rows.map((r) => renderRow(r, actions)).join('\n')}</tbody></table>
<dialog id="add"><form id="add-form" method="dialog">
<h2>Add <span id="add-mac"></span> to the inventory</h2>
<label>model <input name="model" autocomplete="off"></label>
<label>SIP user <input name="user" autocomplete="off"></label>
<label>password <input name="password" type="password" autocomplete="new-password"></label>
<label>registrar <input name="registrar" autocomplete="off"></label>
<label>display name <input name="displayName" autocomplete="off"></label>
<label>description <input name="description" autocomplete="off"></label>
<label>group <input name="group" autocomplete="off"></label>
<div class="buttons"><button type="submit" value="add">add</button> <button type="button" id="add-cancel">cancel</button></div>
</form></dialog>
<script nonce="${nonce}">${SCRIPT}</script>
</body></html>
`;
}

export function renderLogin(nonce: string, failed: boolean): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>drachtio-pnp rollout: log in</title><link rel="icon" href="data:,">
<style nonce="${nonce}">${STYLE}</style></head>
<body><main class="login"><h1>drachtio-pnp rollout</h1>
<form method="post" action="/ui/login">
<label>API token (<code>api.token</code>) <input name="token" type="password" autocomplete="current-password" autofocus required></label>
${failed ? '<p class="reason">That is not the API token.</p>' : ''}
<button type="submit">log in</button></form></main></body></html>
`;
}

const STYLE = `
:root{--fg:#1d2430;--muted:#6b7585;--line:#e3e7ee;--bg:#f6f8fb;--ok:#1a7f37;--warn:#9a6700;--bad:#c62828;--info:#0b5cad}
*{box-sizing:border-box}body{margin:0;font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
header{display:flex;align-items:center;gap:16px;padding:12px 20px;background:#fff;border-bottom:1px solid var(--line)}
header h1{font-size:18px;margin:0}header form{margin-left:auto}
.live{font-size:12px;color:var(--muted)}.live.on{color:var(--ok)}
.tiles{display:flex;flex-wrap:wrap;gap:10px;padding:14px 20px}
.tile{background:#fff;border:1px solid var(--line);border-radius:8px;padding:8px 14px;min-width:110px}
.tile .n{display:block;font-size:22px;font-weight:600}.tile .l{color:var(--muted);font-size:12px}
.t-settings-fetched .n,.t-re-provisioned .n{color:var(--ok)}.t-refused .n{color:var(--bad)}.t-pnp-answered .n{color:var(--info)}.t-incomplete .n{color:var(--warn)}
.filters{display:flex;gap:16px;align-items:center;padding:0 20px 10px}#message{margin-left:auto;color:var(--muted)}
table{border-collapse:collapse;width:calc(100% - 40px);margin:0 20px 20px;background:#fff;border:1px solid var(--line)}
th,td{text-align:left;padding:6px 10px;border-bottom:1px solid var(--line);vertical-align:top}th{font-size:12px;color:var(--muted);font-weight:600;background:#fafbfc}
.mac{font-family:ui-monospace,Menlo,monospace}.time{white-space:nowrap;color:var(--muted)}
.status{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;background:#eef1f5}
.s-settings-fetched,.s-re-provisioned{background:#dafbe1;color:var(--ok)}.s-pnp-answered{background:#ddf4ff;color:var(--info)}
.s-refused{background:#ffebe9;color:var(--bad)}.s-not-provisioned{color:var(--muted)}
.reason{color:var(--bad);font-size:12px}.note{color:var(--warn);font-size:12px}.muted{color:var(--muted);font-size:12px}.tag{font-size:12px;color:var(--warn)}
tr.hidden{display:none}button{font:inherit;font-size:12px;padding:2px 8px;border:1px solid #c7ced9;border-radius:6px;background:#fff;cursor:pointer}
dialog{border:1px solid var(--line);border-radius:8px;padding:16px 20px}dialog label,.login label{display:block;margin:6px 0}
dialog input,.login input{display:block;width:280px;padding:4px 6px}dialog h2{font-size:16px;margin:0 0 8px}.buttons{margin-top:10px}
.login{max-width:360px;margin:80px auto;background:#fff;border:1px solid var(--line);border-radius:8px;padding:20px}
`;

/**
 * The page's behaviour: filters, the live stream (rows arrive rendered and escaped by renderRow), the actions.
 * Plain script, no framework: it replaces rows by id and sets counts with textContent.
 */
const SCRIPT = `
(() => {
  const rows = document.getElementById('rows');
  const live = document.getElementById('live');
  const message = document.getElementById('message');
  const say = (text) => { message.textContent = text; };
  const filterNow = () => document.querySelector('input[name=filter]:checked').value;
  const visible = (tr) => {
    const f = filterNow();
    if (f === 'incomplete') return tr.dataset.completed === '0';
    if (f === 'unknown') return tr.dataset.unknown === '1';
    if (f === 'refused') return tr.dataset.status === 'refused';
    return true;
  };
  const applyFilter = () => { for (const tr of rows.rows) tr.classList.toggle('hidden', !visible(tr)); };
  for (const input of document.querySelectorAll('input[name=filter]')) input.addEventListener('change', applyFilter);
  const setCounts = (counts) => {
    for (const el of document.querySelectorAll('[data-count]')) {
      const n = counts[el.dataset.count];
      if (typeof n === 'number') el.textContent = String(n);
    }
  };
  const putRow = (mac, html) => {
    const template = document.createElement('template');
    template.innerHTML = html;
    const tr = template.content.firstElementChild;
    if (!tr) return;
    tr.classList.toggle('hidden', !visible(tr));
    const old = document.getElementById('row-' + mac);
    if (old) old.replaceWith(tr); else rows.appendChild(tr);
  };
  const reload = async () => {
    const res = await fetch('/ui/rows', { headers: { Accept: 'application/json' } });
    if (!res.ok) return;
    const body = await res.json();
    rows.replaceChildren();
    for (const r of body.rows) putRow(r.mac, r.html);
    setCounts(body.counts);
  };
  const connect = () => {
    const stream = new EventSource('/ui/stream');
    stream.addEventListener('open', () => { live.textContent = 'live'; live.classList.add('on'); });
    stream.addEventListener('error', () => { live.textContent = 'reconnecting…'; live.classList.remove('on'); });
    stream.addEventListener('devices', (ev) => {
      const batch = JSON.parse(ev.data);
      for (const r of batch.rows) putRow(r.mac, r.html);
      setCounts(batch.counts);
    });
    stream.addEventListener('reload', () => { reload().catch(() => {}); });
  };
  const post = async (action, body) => {
    const res = await fetch('/ui/actions/' + action, {
      method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify(body),
    });
    let answer = {};
    try { answer = await res.json(); } catch { answer = {}; }
    return { ok: res.ok, answer };
  };
  const dialog = document.getElementById('add');
  const form = document.getElementById('add-form');
  let adding = '';
  document.getElementById('add-cancel').addEventListener('click', () => dialog.close());
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const fields = {};
    for (const [k, v] of new FormData(form)) if (typeof v === 'string' && v.trim() !== '') fields[k] = v.trim();
    const { ok, answer } = await post('add', { mac: adding, fields });
    say(ok ? adding + ' added to the inventory' : (answer.error || 'not added'));
    if (ok) { dialog.close(); form.reset(); }
  });
  rows.addEventListener('click', async (ev) => {
    const button = ev.target instanceof Element ? ev.target.closest('button[data-action]') : null;
    if (!button) return;
    const mac = button.dataset.mac;
    const action = button.dataset.action;
    if (action === 'add') {
      adding = mac;
      document.getElementById('add-mac').textContent = mac;
      form.elements.namedItem('model').value = button.dataset.model || '';
      dialog.showModal();
      return;
    }
    button.disabled = true;
    say(action + ' ' + mac + '…');
    const { ok, answer } = await post(action, { mac });
    say(ok ? (answer.message || action + ' ' + mac + ': done') : (answer.error || action + ' failed'));
    if (answer.html) putRow(mac, answer.html);
    button.disabled = false;
  });
  applyFilter();
  connect();
})();
`;
