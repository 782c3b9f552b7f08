// Console: the QĐ 766 dashboard. Province office / admin see the province and every agency; agency
// staff and leaders see their own unit. Month picker, total score, groups, a 6-month trend (inline
// SVG) and the drill-down from an indicator's numerator/denominator to its dossiers, page by page.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get } from '../api.js';
import { pageTitle, loadInto, empty, card, showError, busy } from '../ui.js';
import { role } from '../session.js';
import { statusText } from '../timeline.js';
import { thisMonth, isMonth, monthLabel, num, pct, nameOf, bar, lineChart, monthPicker } from './dash-common.js';

const canOpenDossier = () => ['agency', 'leader', 'admin'].includes(role());

/** "Score / 100" in large type, or "Chưa có dữ liệu" (no dossiers in the month: never 100). */
function totalScore(sc) {
  return h('div', { class: 'dash-total' },
    h('span', { class: 'dash-total-label' }, t('dash.total')),
    sc.score == null
      ? h('strong', { class: 'dash-total-num dash-na', id: 'dash-total' }, t('dash.noScore'))
      : [h('strong', { class: 'dash-total-num', id: 'dash-total' }, num(sc.score)), h('span', { class: 'muted' }, ` ${t('dash.outOf')}`)],
    h('p', { class: 'muted small' }, sc.no_data
      ? t('dash.zeroDen')
      : sc.complete
      ? t('dash.complete')
      : t('dash.incomplete', { w: num(sc.available_weight), n: (sc.missing || []).length })));
}

function groupsTable(sc) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'table dash-groups' },
    h('caption', { class: 'sr-only' }, t('dash.groups')),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, t('dash.group')),
      h('th', { scope: 'col' }, t('dash.weight')),
      h('th', { scope: 'col' }, t('dash.points')))),
    h('tbody', {}, (sc.groups || []).map((g) => h('tr', {},
      h('th', { scope: 'row' }, nameOf(g)),
      h('td', { 'data-label': t('dash.weight') }, num(g.weight)),
      h('td', { 'data-label': t('dash.points') }, g.score == null
        ? h('span', { class: 'muted' }, t(sc.no_data ? 'dash.noScore' : 'dash.notCollected'))
        : bar(g.score, g.weight, { label: `${num(g.score)} / ${num(g.weight)}` })))))));
}

/** The indicators of one agency, with drill buttons on numerator and denominator. */
function indicatorsTable(agency, sc, openDrill) {
  const partBtn = (ind, part) => {
    const value = ind[part];
    if (!ind.available) return h('span', { class: 'muted' }, t('dash.notCollected'));
    const label = t('dash.openDrill', { part: t(`dash.${part}`).toLowerCase(), indicator: nameOf(ind) });
    return h('button', {
      type: 'button',
      class: 'btn-link dash-drill-btn',
      'aria-label': `${num(value, 0)} — ${label}`,
      title: label,
      dataset: { indicator: ind.id, part, agency: agency.code },
      onclick: (e) => openDrill(agency, ind, part, e.currentTarget),
    }, num(value, 0));
  };
  const rows = [];
  for (const g of sc.groups || []) {
    rows.push(h('tr', { class: 'dash-group-row' }, h('th', { scope: 'colgroup', colspan: '5' }, nameOf(g))));
    for (const ind of g.indicators || []) {
      rows.push(h('tr', { class: ind.available ? '' : 'dash-unavailable', dataset: { indicator: ind.id } },
        h('th', { scope: 'row' }, nameOf(ind)),
        h('td', { 'data-label': t('dash.numerator') }, partBtn(ind, 'numerator')),
        h('td', { 'data-label': t('dash.denominator') }, partBtn(ind, 'denominator')),
        h('td', { 'data-label': t('dash.ratio') }, !ind.available ? '—' : ind.zero_denominator ? h('span', { class: 'muted' }, t('dash.zeroDen')) : pct(ind.ratio)),
        h('td', { 'data-label': t('dash.points') }, ind.available
          ? `${num(ind.points)} / ${num(ind.weight)}`
          : h('span', { class: 'muted' }, `${t('dash.notCollected')} (${num(ind.weight)})`))));
    }
  }
  return h('div', { class: 'table-wrap' }, h('table', { class: 'table dash-indicators' },
    h('caption', { class: 'sr-only' }, `${t('dash.indicator')} — ${agency.name || agency.code}`),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, t('dash.indicator')),
      h('th', { scope: 'col' }, t('dash.numerator')),
      h('th', { scope: 'col' }, t('dash.denominator')),
      h('th', { scope: 'col' }, t('dash.ratio')),
      h('th', { scope: 'col' }, t('dash.points')))),
    h('tbody', {}, rows)));
}

function trendChart(trend) {
  const points = (trend || []).map((m) => ({ label: monthLabel(m.month), value: m.score }));
  return h('figure', { class: 'dash-trend' },
    lineChart(points, { title: t('dash.trend'), desc: t('dash.trendDesc') }),
    h('figcaption', { class: 'muted small' }, t('dash.trendDesc')),
    h('details', {}, h('summary', {}, t('dash.trend')),
      h('table', { class: 'table' },
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col' }, t('dash.month')), h('th', { scope: 'col' }, t('dash.score')),
          h('th', { scope: 'col' }, t('dash.received')), h('th', { scope: 'col' }, t('dash.onTime')), h('th', { scope: 'col' }, t('dash.late')))),
        h('tbody', {}, (trend || []).map((m) => h('tr', {},
          h('th', { scope: 'row' }, monthLabel(m.month)),
          h('td', {}, m.score == null ? t('dash.noScore') : num(m.score)),
          h('td', {}, num(m.received, 0)), h('td', {}, num(m.on_time, 0)), h('td', {}, num(m.late, 0))))))));
}

export async function render(view, { query, navigate }) {
  const month = isMonth(query.month) ? query.month : thisMonth();
  const body = h('div', { id: 'dashboard' });
  const drill = h('section', { class: 'card dash-drill', id: 'dash-drill', hidden: true, tabindex: '-1', 'aria-live': 'polite' });
  view.append(
    pageTitle(t('dash.title'), h('p', { class: 'muted' }, t('dash.lead'))),
    monthPicker(month, (m) => navigate(`#/dashboard?month=${m}`)),
    body);

  /** List the dossiers behind (agency, indicator, part), page by page with the API's cursor. */
  async function openDrill(agency, ind, part, origin) {
    const list = h('tbody');
    const more = h('button', { type: 'button', class: 'btn btn-secondary btn-small', id: 'dash-more', hidden: true }, t('dash.more'));
    const note = h('p', { class: 'muted small' });
    const table = h('div', { class: 'table-wrap' }, h('table', { class: 'table table-stack', id: 'dash-drill-table' },
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, t('dossier.code')),
        h('th', { scope: 'col' }, t('common.procedure')),
        h('th', { scope: 'col' }, t('common.status')))),
      list));
    const close = h('button', { type: 'button', class: 'btn btn-ghost btn-small', onclick: () => { drill.hidden = true; origin?.focus(); } }, t('dash.close'));
    const title = t('dash.drillOf', { part: t(`dash.${part}`).toLowerCase(), indicator: nameOf(ind) });
    replace(drill, h('h2', {}, title), h('p', { class: 'muted' }, `${agency.name || agency.code} · ${monthLabel(month)}`), table, h('div', { class: 'btn-row' }, more, close), note);
    drill.hidden = false;
    let cursor = null;
    let shown = 0;
    const page = async () => {
      const res = await get('/api/dashboard/drill', { indicator: ind.id, part, agency: agency.code, month, cursor, limit: 20 });
      if (res.basis) note.textContent = res.basis;
      for (const d of res.items || []) {
        shown += 1;
        list.append(h('tr', {},
          h('td', { 'data-label': t('dossier.code') }, canOpenDossier()
            ? h('a', { href: `#/agency/${encodeURIComponent(d.dossier_id)}`, class: 'code' }, d.code || d.dossier_id)
            : h('span', { class: 'code' }, d.code || d.dossier_id)),
          h('td', { 'data-label': t('common.procedure') }, d.procedure_code || ''),
          h('td', { 'data-label': t('common.status') }, statusText(d.status))));
      }
      cursor = res.next || null;
      more.hidden = !cursor;
      if (!cursor && !shown) {
        const catalogue = !(res.metrics || []).length;
        list.append(h('tr', {}, h('td', { colspan: '3', class: 'empty' }, catalogue ? t('dash.drillCatalogue') : t('dash.drillNone'))));
      }
    };
    more.addEventListener('click', () => busy(more, page));
    try {
      await page();
    } catch (err) {
      showError(err);
    }
    drill.focus({ preventScroll: false });
  }

  await loadInto(body, () => get('/api/dashboard', { month }), (data) => {
    const overall = data.overall || {};
    const agencies = data.agencies || [];
    const agencyRows = [];
    for (const a of agencies) {
      const detail = h('tr', { class: 'dash-detail', hidden: true }, h('td', { colspan: '6' }, indicatorsTable(a, a, openDrill)));
      const toggle = h('button', { type: 'button', class: 'btn btn-small btn-secondary', 'aria-expanded': 'false', 'aria-label': `${t('dash.details')}: ${a.name || a.code}` }, t('dash.details'));
      toggle.addEventListener('click', () => {
        detail.hidden = !detail.hidden;
        toggle.setAttribute('aria-expanded', String(!detail.hidden));
        toggle.textContent = detail.hidden ? t('dash.details') : t('dash.hide');
      });
      agencyRows.push(h('tr', { class: 'dash-agency', dataset: { agency: a.code } },
        h('th', { scope: 'row' }, h('span', { class: 'dash-agency-name' }, a.name || a.code), h('br'), h('span', { class: 'muted small code' }, a.code)),
        h('td', { 'data-label': t('dash.score'), class: 'dash-score' }, bar(a.score), !a.complete && a.score != null ? h('span', { class: 'muted', title: t('pub.partialScore') }, ' *') : null),
        h('td', { 'data-label': t('dash.received') }, num(a.totals?.received, 0)),
        h('td', { 'data-label': t('dash.onTime') }, num(a.totals?.on_time, 0)),
        h('td', { 'data-label': t('dash.late') }, num(a.totals?.late, 0)),
        h('td', {}, toggle)), detail);
    }
    if (agencies.length === 1 && data.scope !== 'province') {
      // agency/leader: open their own indicators straight away
      agencyRows[0].querySelector('button[aria-expanded]')?.click();
    }
    replace(body,
      h('div', { class: 'dash-top' },
        card(h('h2', {}, overall.name || data.province_name || ''), h('p', { class: 'muted' }, `${t('dash.month')} ${monthLabel(data.month)}`), totalScore(overall), groupsTable(overall)),
        card(h('h2', {}, t('dash.trend')), trendChart(data.trend))),
      card(h('h2', {}, t('dash.agencies')),
        agencies.length
          ? h('div', { class: 'table-wrap' }, h('table', { class: 'table table-stack', id: 'dash-agencies' },
            h('caption', { class: 'sr-only' }, t('dash.agencies')),
            h('thead', {}, h('tr', {},
              h('th', { scope: 'col' }, t('dash.agency')),
              h('th', { scope: 'col' }, t('dash.score')),
              h('th', { scope: 'col' }, t('dash.received')),
              h('th', { scope: 'col' }, t('dash.onTime')),
              h('th', { scope: 'col' }, t('dash.late')),
              h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, t('dash.details'))))),
            h('tbody', {}, agencyRows)))
          : empty(t('dash.noData')),
        h('p', { class: 'muted small' }, t('pub.partialScore'))),
      drill);
  });
}
