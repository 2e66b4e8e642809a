/* smbwatch serve: the dashboard. Every value from the API is
 * attacker-influenced (server strings, share comments, names), so the DOM
 * is built with createElement + textContent only: no innerHTML, no
 * string-built markup, and links are only ever "#/..." paths made here. */
'use strict';

const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'];
const SEV_COLORS = { critical: '#6a0010', high: '#b00020', medium: '#b26a00', low: '#827717', info: '#90a4ae' };
const charts = [];

/* el('td', {class: 'x'}, 'text', otherNode): strings become text nodes */
function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null) continue;
    if (k === 'class') e.className = v;
    else if (k === 'href') e.setAttribute('href', safeHref(v));
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, String(v));
  }
  for (const kid of kids.flat()) {
    if (kid === undefined || kid === null) continue;
    e.appendChild(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
  return e;
}

/* only our own paths: "#/..." routes and "/api/..." exports */
function safeHref(v) {
  const s = String(v);
  return (s.startsWith('#/') || s.startsWith('/api/')) ? s : '#/';
}

async function api(path) {
  const r = await fetch(path, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
  const body = await r.json().catch(() => ({ error: 'not JSON (HTTP ' + r.status + ')' }));
  if (!r.ok) throw new Error(body.error || ('HTTP ' + r.status));
  return body;
}

function when(unix) {
  if (!unix) return '—';
  return new Date(unix * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

function sevBadge(sev, text) {
  return el('span', { class: 'sev sev-' + (SEVERITIES.includes(sev) ? sev : 'info') }, text || sev);
}

function hostLink(ip, text) {
  return el('a', { href: '#/host?ip=' + encodeURIComponent(ip) }, text || ip);
}

function svcText(ip, port) {
  return (String(ip).includes(':') ? '[' + ip + ']' : ip) + ':' + port;
}

function table(headers, rows, attrs) {
  return el('table', attrs || {},
    el('thead', {}, el('tr', {}, headers.map(h => h instanceof Node ? el('th', {}, h) : el('th', {}, h)))),
    el('tbody', {}, rows));
}

function findingBadges(findings) {
  return (findings || []).filter(f => f.severity !== 'info').map(f => sevBadge(f.severity, f.id));
}

function clearCharts() {
  while (charts.length) charts.pop().destroy();
}

function lineChart(id, labels, series, opts) {
  const canvas = el('canvas', { id: id, role: 'img', 'aria-label': opts.title });
  const box = el('div', { class: 'chartbox' }, el('strong', {}, opts.title), canvas);
  setTimeout(() => {
    if (typeof Chart === 'undefined') return;
    charts.push(new Chart(canvas, {
      type: opts.type || 'line',
      data: { labels: labels, datasets: series },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        scales: { x: { stacked: !!opts.stacked }, y: { stacked: !!opts.stacked, beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { position: 'bottom' } },
      },
    }));
  }, 0);
  return box;
}

/* ---- pages ------------------------------------------------------------ */

async function pageOverview(main) {
  const o = await api('/api/overview');
  main.append(el('h1', {}, 'Overview'));

  const ext = el('section', { class: 'external', id: 'external' },
    el('h2', {}, 'Reachable from the external view: ' + o.external.length + ' service(s)'));
  if (o.external.length === 0) {
    ext.append(el('p', { class: 'muted' }, 'No external run has seen an SMB service (or no external run is stored).'));
  } else {
    ext.append(table(['Service', 'Name', 'Findings', 'Seen'], o.external.map(s =>
      el('tr', {}, el('td', {}, hostLink(s.ip, svcText(s.ip, s.port))), el('td', {}, s.name),
        el('td', {}, findingBadges(s.findings)), el('td', {}, when(s.scanned_at))))));
  }
  main.append(ext);

  main.append(el('h2', {}, 'Now (latest run of each scope and view)'));
  const cards = el('div', { class: 'cards', id: 'now-counts' },
    el('div', { class: 'card' }, el('div', { class: 'n' }, o.now.services), 'services ever seen'),
    el('div', { class: 'card' }, el('div', { class: 'n' }, o.now.hosts), 'hosts'));
  for (const s of SEVERITIES.slice(0, 4))
    cards.append(el('div', { class: 'card' }, el('div', { class: 'n' }, o.now[s] || 0), sevBadge(s)));
  main.append(cards);

  const labels = o.trend.map(t => '#' + t.run + ' ' + t.view);
  main.append(el('div', { class: 'grid' },
    lineChart('chart-severity', labels, SEVERITIES.slice(0, 4).map(s => ({
      label: s, data: o.trend.map(t => t[s]), borderColor: SEV_COLORS[s], backgroundColor: SEV_COLORS[s],
    })), { title: 'Findings by severity per run' }),
    lineChart('chart-smb1', labels, [
      { label: 'SMB1 enabled', data: o.trend.map(t => t.smb1), borderColor: '#b00020', backgroundColor: '#b00020' },
      { label: 'signing not required', data: o.trend.map(t => t.unsigned), borderColor: '#b26a00', backgroundColor: '#b26a00' },
      { label: 'services', data: o.trend.map(t => t.services), borderColor: '#607d8b', backgroundColor: '#607d8b' },
    ], { title: 'SMB1 and unsigned services per run' }),
    lineChart('chart-age', o.open_by_age.map(b => b.age), [
      { label: 'open findings', data: o.open_by_age.map(b => b.n), backgroundColor: '#b26a00' },
    ], { title: 'Open findings by age', type: 'bar' })));

  main.append(el('h2', {}, 'Last run of each view'));
  // next run due: a monitor's start + its --every; overdue in red
  const due = (r) => r.next_due == null ? el('td', {}, 'not scheduled')
    : el('td', { class: r.next_due < o.generated_at ? 'bad' : '' },
      when(r.next_due) + (r.next_due < o.generated_at ? ' (overdue)' : ''));
  main.append(table(['Run', 'View', 'Targets', 'Started', 'Ended', 'Complete', 'Services', 'Next run due'],
    o.last_runs.map(r => el('tr', {}, el('td', {}, '#' + r.run), el('td', {}, r.view), el('td', {}, el('code', {}, r.targets)),
      el('td', {}, when(r.started_at)), el('td', {}, when(r.ended_at)),
      el('td', { class: r.complete ? 'good' : 'bad' }, r.complete ? 'yes' : 'no'), el('td', {}, r.services), due(r))),
  { id: 'last-runs' }));
  main.append(el('p', {}, 'Latest complete run: ',
    el('a', { href: '/api/latest.xml', id: 'export-nmap' }, 'nmap XML'), ' · ',
    el('a', { href: '/api/latest.html', id: 'export-html' }, 'HTML report')));
}

const INV_COLUMNS = [
  ['address', 'Service'], [null, 'Name'], [null, 'Views'], [null, 'Dialects'], [null, 'SMB1'],
  [null, 'Signing'], ['findings', 'Open findings'], ['first_seen', 'First seen'], ['last_seen', 'Last seen'],
];

async function pageInventory(main, params) {
  const q = new URLSearchParams(params);
  if (!q.get('sort')) q.set('sort', 'address');
  const res = await api('/api/inventory?' + q.toString());
  main.append(el('h1', {}, 'Inventory'));

  const go = (changes) => {
    const n = new URLSearchParams(q);
    for (const [k, v] of Object.entries(changes)) { if (v === '' || v === null) n.delete(k); else n.set(k, v); }
    location.hash = '#/inventory?' + n.toString();
  };
  const select = (name, options) => {
    const s = el('select', { name: name, id: 'f-' + name }, options.map(([v, t]) => el('option', { value: v }, t)));
    s.value = q.get(name) || '';
    return s;
  };
  const search = el('input', { name: 'q', id: 'f-q', type: 'search', placeholder: 'address, CIDR, name, finding id', size: 32 });
  search.value = q.get('q') || '';
  const sev = select('severity', [['', 'any']].concat(SEVERITIES.map(s => [s, s])));
  const view = select('view', [['', 'any'], ['internal', 'internal'], ['external', 'external'], ['sensor', 'sensor']]);
  const finding = select('finding', [['', 'any'], ['SMB1_ENABLED', 'SMB1 enabled'], ['SIGNING_NOT_REQUIRED', 'signing not required'],
    ['GUEST_ACCESS', 'guest access'], ['NULL_SESSION', 'null session'], ['ANON_SHARE_READABLE', 'anonymous share'],
    ['MS17_010', 'MS17-010'], ['CVE_2020_0796', 'SMBGhost']]);
  const form = el('form', { class: 'filters', id: 'inv-filters', onsubmit: (e) => {
    e.preventDefault();
    go({ q: search.value.trim(), severity: sev.value, view: view.value, finding: finding.value, page: '' });
  } },
  el('label', {}, 'Search', search), el('label', {}, 'Severity', sev), el('label', {}, 'View', view),
  el('label', {}, 'Finding', finding), el('button', { type: 'submit', id: 'f-apply' }, 'Apply'));
  main.append(form);

  const exp = new URLSearchParams(q); exp.delete('page'); exp.delete('per_page');
  main.append(el('p', {}, 'Export: ', el('a', { href: '/api/inventory.csv?' + exp.toString(), id: 'export-csv' }, 'CSV'), ' · ',
    el('a', { href: '/api/relay.txt?' + exp.toString(), id: 'export-relay' }, 'relay targets')));

  const sort = q.get('sort'), order = q.get('order') || 'asc';
  const head = INV_COLUMNS.map(([key, title]) => key
    ? el('button', { type: 'button', 'data-sort': key, class: key === sort ? ('sorted ' + order) : '',
      onclick: () => go({ sort: key, order: key === sort && order === 'asc' ? 'desc' : 'asc', page: '' }) }, title)
    : title);
  const rows = res.items.map(s => el('tr', { 'data-ip': s.ip, 'data-port': s.port },
    el('td', {}, hostLink(s.ip, svcText(s.ip, s.port))), el('td', {}, s.name),
    el('td', {}, s.views.map(v => el('span', { class: v === 'external' ? 'bad' : '' }, v + ' '))),
    el('td', {}, s.dialects.join(' ')), el('td', { class: s.smb1 ? 'bad' : 'good' }, s.smb1 ? 'yes' : 'no'),
    el('td', { class: s.signing === 'required' ? 'good' : 'bad' }, s.signing || 'unknown'),
    el('td', {}, findingBadges(s.findings)), el('td', {}, when(s.first_seen)), el('td', {}, when(s.last_seen))));
  main.append(table(head, rows, { id: 'inv-table' }));

  const page = res.page, pages = Math.max(1, Math.ceil(res.total / res.per_page));
  main.append(el('div', { class: 'pager' },
    el('button', { type: 'button', id: 'prev', disabled: page <= 1 ? 'disabled' : null, onclick: () => go({ page: page - 1 }) }, '← previous'),
    el('span', { id: 'page-info' }, 'page ' + page + ' of ' + pages + ' · ' + res.total + ' service(s)'),
    el('button', { type: 'button', id: 'next', disabled: page >= pages ? 'disabled' : null, onclick: () => go({ page: page + 1 }) }, 'next →')));
}


function changeText(c) {
  const v = (x) => x === null || x === undefined ? '(none)' : (typeof x === 'string' ? x : JSON.stringify(x));
  return c.field + ': ' + v(c.old) + ' → ' + v(c.new);
}

async function pageChanges(main, params) {
  const q = new URLSearchParams(params);
  const res = await api('/api/changes?' + q.toString());
  main.append(el('h1', {}, 'Changes'));
  const kind = el('select', { id: 'f-kind' }, el('option', { value: '' }, 'any'), (res.kinds || []).map(k => el('option', { value: k }, k)));
  kind.value = q.get('kind') || '';
  const sev = el('select', { id: 'f-severity' }, el('option', { value: '' }, 'any'), SEVERITIES.map(s => el('option', { value: s }, 'at least ' + s)));
  sev.value = q.get('severity') || '';
  main.append(el('form', { class: 'filters', onsubmit: (e) => {
    e.preventDefault();
    const n = new URLSearchParams();
    if (kind.value) n.set('kind', kind.value);
    if (sev.value) n.set('severity', sev.value);
    location.hash = '#/changes?' + n.toString();
  } }, el('label', {}, 'Kind', kind), el('label', {}, 'Severity', sev), el('button', { type: 'submit' }, 'Apply')));
  if (res.events.length === 0) main.append(el('p', { class: 'muted' }, 'No events in the latest runs.'));
  main.append(table(['When', 'Run', 'Event', 'Service', 'Detail'], res.events.map(ev => {
    const detail = el('td', {});
    if (ev.finding) detail.append(sevBadge(ev.finding.severity, ev.finding.id), ' ', ev.finding.title || '');
    if (ev.verified_by_run) detail.append(el('span', { class: 'good' }, ' resolved, verified by run #' + ev.verified_by_run));
    for (const c of ev.changes || []) detail.append(el('div', {}, el('code', {}, changeText(c))));
    // attack_rate_changed is about a whole view, not one service
    if (ev.attack_rate) detail.append(sevBadge(ev.severity, ev.attack_rate.kind), ' ', ev.attack_rate.text || '');
    const service = ev.ip ? [hostLink(ev.ip, svcText(ev.ip, ev.port)), ' '] : ['every service in '];
    return el('tr', { 'data-event': ev.event }, el('td', {}, String(ev.at || '')), el('td', {}, '#' + ev.run),
      el('td', {}, ev.event), el('td', {}, ...service, ev.view || ''), detail);
  }), { id: 'changes-table' }));
}

async function pageHost(main, params) {
  const ip = new URLSearchParams(params).get('ip') || '';
  const h = await api('/api/host?ip=' + encodeURIComponent(ip));
  main.append(el('h1', {}, 'Host ', el('span', { id: 'host-ip' }, h.ip)));
  for (const p of h.ports) {
    const sec = el('section', { class: 'port', 'data-port': p.port },
      el('h2', {}, 'Port ' + p.port + ' — ' + (p.name || 'no name') + ' (' + (p.os || 'OS unknown') + '), last seen ' + when(p.scanned_at) + ' from ' + p.view),
      el('p', {}, 'Dialects: ' + p.dialects.join(' ') + ' · SMB1: ' + (p.smb1 ? 'yes' : 'no') + ' · signing: ' + (p.signing || 'unknown')));
    const smb1 = (p.record && p.record.smb1) || {};
    if (smb1.native_os || smb1.native_lanman)
      sec.append(el('p', { class: 'server-string' }, 'Server: ', el('code', {}, (smb1.native_os || '') + ' / ' + (smb1.native_lanman || ''))));
    if (Array.isArray(p.shares) && p.shares.length)
      sec.append(table(['Share', 'Type', 'Comment', 'Anonymous read'], p.shares.map(s =>
        el('tr', { class: 'share' }, el('td', {}, s.name), el('td', {}, s.type || ''), el('td', { class: 'share-comment' }, s.comment || ''),
          el('td', {}, s.anonymous_read ? 'yes' : 'no'))), { class: 'shares' }));
    for (const f of p.findings)
      sec.append(el('div', { class: 'finding sev-border-' + f.severity }, sevBadge(f.severity, f.id), ' ', el('strong', {}, f.title || ''),
        el('div', { class: 'evidence' }, f.evidence || ''), el('div', {}, 'Fix: ', f.remediation || '')));
    main.append(sec);
  }
  main.append(el('h2', {}, 'History'));
  main.append(table(['When', 'Run', 'Port', 'View', 'Status', 'Changes'], h.history.map(e =>
    el('tr', { 'data-status': e.status }, el('td', {}, when(e.at)), el('td', {}, '#' + e.run), el('td', {}, e.port), el('td', {}, e.view),
      el('td', {}, e.status), el('td', {}, (e.changes || []).map(c => el('div', {}, el('code', {}, changeText(c))))))), { id: 'history' }));
  main.append(el('h2', {}, 'Sensor alerts that involve it'));
  if (!(h.sensor_alerts || []).length)
    main.append(el('p', { class: 'muted' }, 'None stored.'));
  else
    main.append(table(['When', 'Alert', 'Source', 'Destination', 'Evidence'], alertRows(h.sensor_alerts), { id: 'host-sensor-alerts' }));
}

function alertRows(alerts) {
  return alerts.map(a => el('tr', { class: 'sensor-alert' }, el('td', {}, when(a.at)), el('td', {}, sevBadge(a.severity, a.kind)),
    el('td', {}, hostLink(a.src)), el('td', {}, a.dst ? hostLink(a.dst) : '—'),
    el('td', { class: 'evidence' }, (a.alert && a.alert.evidence) || '')));
}

async function pageSensor(main, params) {
  const days = new URLSearchParams(params).get('days') || '30';
  const s = await api('/api/sensor?days=' + encodeURIComponent(days));
  main.append(el('h1', {}, 'Sensor'));
  if (!s.has_data) {
    main.append(el('p', { class: 'muted', id: 'sensor-empty' }, 'The sensor has not written to this store (smbwatch sensor --db).'));
    return;
  }
  main.append(el('p', { class: 'muted' }, 'The last ' + s.days + ' days of sensor data, ' + when(s.since) + ' to ' + when(s.until) + '.'));
  main.append(el('div', { class: 'cards', id: 'sensor-counts' },
    el('div', { class: 'card' }, el('div', { class: 'n' }, s.servers.servers), 'SMB servers on the wire'),
    el('div', { class: 'card' }, el('div', { class: 'n' }, s.servers.smb1), 'of them speaking SMB1'),
    el('div', { class: 'card' }, el('div', { class: 'n' }, s.totals.reduce((n, t) => n + t.alerts, 0)), 'alerts')));
  const daysList = [...new Set(s.by_day.map(d => d.day))];
  const kinds = [...new Set(s.by_day.map(d => d.kind))];
  const palette = ['#b00020', '#b26a00', '#827717', '#1565c0', '#6a1b9a', '#00838f', '#607d8b', '#2e7d32'];
  main.append(el('div', { class: 'grid' },
    lineChart('chart-sensor', daysList.map(d => when(d).slice(0, 10)), kinds.map((k, i) => ({
      label: k, data: daysList.map(d => (s.by_day.find(x => x.day === d && x.kind === k) || { alerts: 0 }).alerts),
      backgroundColor: palette[i % palette.length],
    })), { title: 'Alerts by kind per day', type: 'bar', stacked: true })));
  main.append(el('h2', {}, 'Alerts by kind'));
  main.append(table(['Kind', 'Severity', 'Alerts'], s.totals.map(t =>
    el('tr', {}, el('td', {}, t.kind), el('td', {}, sevBadge(t.severity)), el('td', {}, t.alerts))), { id: 'sensor-totals' }));
  main.append(el('h2', {}, 'Top talkers'));
  main.append(table(['Source', 'Alerts', 'Kinds', 'Targets', 'Last'], s.top_talkers.map(t =>
    el('tr', {}, el('td', {}, hostLink(t.src)), el('td', {}, t.alerts), el('td', {}, t.kinds), el('td', {}, t.targets),
      el('td', {}, when(t.last)))), { id: 'sensor-talkers' }));
  main.append(el('h2', {}, 'SMB1 clients'));
  main.append(table(['Client', 'Server', 'Dialect', 'Negotiations', 'First seen', 'Last seen'], s.smb1_clients.map(c =>
    el('tr', {}, el('td', {}, hostLink(c.client)), el('td', {}, hostLink(c.server, svcText(c.server, c.port))), el('td', {}, c.dialect),
      el('td', {}, c.negotiations), el('td', {}, when(c.first_seen)), el('td', {}, when(c.last_seen)))), { id: 'sensor-smb1' }));
  main.append(el('h2', {}, 'Who still needs SMB1 (scan × sensor)'));
  main.append(table(['Server', 'Verdict', ''], s.smb1_usage.servers.map(v =>
    el('tr', { 'data-verdict': v.verdict }, el('td', {}, hostLink(v.ip, svcText(v.ip, v.port))), el('td', {}, v.verdict), el('td', {}, v.text))),
  { id: 'sensor-smb1-usage' }));
  if (s.smb1_usage.scan_gaps.length)
    main.append(el('p', {}, 'Not in any scan (SCAN_GAP): ', s.smb1_usage.scan_gaps.map(g => svcText(g.ip, g.port)).join(', ')));
}

/* One host, every vantage point (GET /api/exposure, docs/exposure.md):
 * each view that saw a host, since when, its ports, the worst finding. */
async function pageExposure(main) {
  const x = await api('/api/exposure');
  main.append(el('h1', {}, 'Exposure'));
  main.append(el('p', { class: 'muted' }, 'Per host: the views that saw it (scans by --view, and the sensor), since when, on which ports, and the worst finding of the latest sighting in each view.'));
  if (!x.hosts.length) {
    main.append(el('p', { class: 'muted', id: 'exposure-empty' }, 'Nothing stored yet.'));
    return;
  }
  const rows = [];
  for (const h of x.hosts) {
    h.views.forEach((v, i) => rows.push(el('tr', { 'data-ip': h.ip, 'data-view': v.view, class: h.external ? 'external' : null },
      el('td', {}, i === 0 ? hostLink(h.ip) : ''),
      el('td', {}, v.view), el('td', {}, when(v.first_seen)), el('td', {}, v.first_run === null ? '—' : v.first_run),
      el('td', {}, v.ports.join(', ')),
      el('td', {}, v.worst ? sevBadge(v.worst.severity, v.worst.id + ' (' + v.worst.port + ')') : '—'))));
  }
  main.append(table(['Host', 'View', 'First seen', 'First run', 'Ports', 'Worst finding'], rows, { id: 'exposure' }));
}

/* ---- routing ---------------------------------------------------------- */

const PAGES = { overview: pageOverview, inventory: pageInventory, changes: pageChanges, host: pageHost, sensor: pageSensor, exposure: pageExposure };

async function route() {
  const hash = location.hash.replace(/^#\/?/, '') || 'overview';
  const [name, params] = [hash.split('?')[0], hash.split('?').slice(1).join('?')];
  const page = PAGES[name] || pageOverview;
  for (const a of document.querySelectorAll('header nav a')) a.classList.toggle('active', a.id === 'nav-' + name);
  clearCharts();
  const main = document.getElementById('main');
  const fresh = el('main', { id: 'main' });
  try {
    await page(fresh, params || '');
  } catch (err) {
    fresh.append(el('p', { class: 'error', id: 'load-error' }, 'Cannot load: ' + err.message));
  }
  main.replaceWith(fresh);
  document.body.setAttribute('data-page', name);
  document.body.setAttribute('data-loaded', String(Date.now()));
}

window.addEventListener('hashchange', route);
document.addEventListener('DOMContentLoaded', route);
