// Admin: the unit tree (province, departments, districts, communes, one-stop desks) with QCVN
// 102:2016 codes. The tree opens one level at a time (GET /api/admin/units?parent=); a search
// lists matches page by page. Add, rename, re-kind, move (optimistic version) and delete an unused unit.
import { h, replace } from '../dom.js';
import { get, post, ApiError } from '../api.js';
import { pageTitle, card, busy, showNotice } from '../ui.js';
import { strings, cell, cellError, select, filterBar, pagedTable, td, unitDatalist } from './admin-common.js';

const s = strings({
  title: ['Đơn vị và mã định danh', 'Units and codes'],
  lead: ['Cây đơn vị của tỉnh; mã theo QCVN 102:2016 (ví dụ H33.30.01). Không xóa được đơn vị còn thủ tục, cán bộ, hồ sơ hoặc đơn vị cấp dưới.', 'The province unit tree; codes follow QCVN 102:2016 (e.g. H33.30.01). A unit that still has procedures, staff, dossiers or sub-units cannot be deleted.'],
  tree: ['Cây đơn vị', 'Unit tree'],
  search: ['Tìm đơn vị', 'Find units'],
  q: ['Mã hoặc tên', 'Code or name'],
  kind: ['Loại', 'Kind'],
  parent: ['Đơn vị cấp trên (mã)', 'Parent unit (code)'],
  any: ['Tất cả', 'All'],
  apply: ['Lọc', 'Filter'],
  more: ['Xem thêm', 'Show more'],
  none: ['Không có đơn vị phù hợp.', 'No matching units.'],
  noChildren: ['Không có đơn vị cấp dưới.', 'No sub-units.'],
  code: ['Mã đơn vị', 'Unit code'],
  name: ['Tên đơn vị', 'Unit name'],
  add: ['Thêm đơn vị', 'Add a unit'],
  create: ['Thêm', 'Add'],
  edit: ['Sửa', 'Edit'],
  save: ['Lưu', 'Save'],
  del: ['Xóa đơn vị', 'Delete unit'],
  expand: ['Mở đơn vị cấp dưới của {name}', 'Show the sub-units of {name}'],
  created: ['Đã thêm đơn vị {code}.', 'Unit {code} added.'],
  saved: ['Đã lưu đơn vị {code}.', 'Unit {code} saved.'],
  deleted: ['Đã xóa đơn vị {code}.', 'Unit {code} deleted.'],
  editing: ['Sửa đơn vị {code}', 'Edit unit {code}'],
  version: ['Phiên bản', 'Version'],
  'kind.province': ['Tỉnh', 'Province'],
  'kind.department': ['Sở, ban, ngành', 'Department'],
  'kind.district': ['Huyện, thị xã, thành phố', 'District'],
  'kind.commune': ['Xã, phường, thị trấn', 'Commune'],
  'kind.desk': ['Bộ phận Một cửa', 'One-stop desk'],
  'kind.other': ['Khác', 'Other'],
});

const KINDS = ['province', 'department', 'district', 'commune', 'desk', 'other'];
const kindOptions = (blank) => [...(blank ? [['', s('any')]] : []), ...KINDS.map((k) => [k, s(`kind.${k}`)])];

/** Show an ApiError next to the field it names (else in the form's own slot). */
function fieldErrors(cells, slot, err) {
  Object.values(cells).forEach((c) => cellError(c, ''));
  const text = err instanceof ApiError ? err.text : String(err?.message || err);
  const target = err instanceof ApiError && err.field ? cells[err.field] : null;
  if (target) cellError(target, text);
  slot.textContent = target ? '' : text;
  slot.hidden = Boolean(target);
}

export async function render(view) {
  const editor = h('div', { id: 'unit-editor' });
  const unitCodes = unitDatalist();
  // Nested lists with disclosure buttons (aria-expanded), not an ARIA tree: Tab reaches every button.
  const treeRoot = h('ul', { class: 'unit-tree', id: 'unit-tree', 'aria-label': s('tree') });

  function node(u) {
    const kids = h('ul', { hidden: true });
    const toggle = h('button', { type: 'button', class: 'btn btn-secondary btn-small unit-toggle', 'aria-expanded': 'false', 'aria-label': s('expand', { name: u.name }) }, '▸');
    let loaded = false;
    toggle.addEventListener('click', () => busy(toggle, async () => {
      const open = toggle.getAttribute('aria-expanded') !== 'true';
      if (open && !loaded) {
        await loadChildren(kids, u.code);
        loaded = true;
      }
      toggle.setAttribute('aria-expanded', String(open));
      kids.hidden = !open;
    }).then(() => { toggle.textContent = toggle.getAttribute('aria-expanded') === 'true' ? '▾' : '▸'; }));
    const editBtn = h('button', { type: 'button', class: 'btn btn-link btn-small' }, s('edit'));
    editBtn.addEventListener('click', () => openEditor(u));
    return h('li', { dataset: { code: u.code } },
      h('div', { class: 'unit-row' }, toggle, h('span', { class: 'code' }, u.code), ' ', h('span', {}, u.name), ' ',
        h('span', { class: 'badge' }, s(`kind.${u.kind}`)), ' ', editBtn),
      kids);
  }

  async function loadChildren(list, parent, cursor = null) {
    const body = await get('/api/admin/units', { parent, limit: 50, cursor });
    if (!cursor) replace(list);
    for (const u of body.items) list.append(node(u));
    if (!body.items.length && !cursor) list.append(h('li', { class: 'muted small' }, s('noChildren')));
    if (body.next) {
      const more = h('li', {}, h('button', { type: 'button', class: 'btn btn-secondary btn-small' }, s('more')));
      more.firstChild.addEventListener('click', () => busy(more.firstChild, async () => { more.remove(); await loadChildren(list, parent, body.next); }));
      list.append(more);
    }
  }

  function openEditor(u) {
    const cells = {
      name: cell(s('name'), h('input', { type: 'text', name: 'name', value: u.name, required: true })),
      kind: cell(s('kind'), select('kind', kindOptions(false), u.kind)),
      parent: cell(s('parent'), h('input', { type: 'text', name: 'parent', value: u.parent || '', autocomplete: 'off', list: unitCodes.id })),
    };
    const slot = h('p', { class: 'field-error form-error', role: 'alert', hidden: true });
    const save = h('button', { type: 'submit', class: 'btn btn-primary' }, s('save'));
    const del = h('button', { type: 'button', class: 'btn btn-danger-outline' }, s('del'));
    const form = h('form', { class: 'form', id: 'unit-edit-form', novalidate: true },
      Object.values(cells).map((c) => c.wrap), slot, h('div', { class: 'btn-row' }, save, del));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      busy(save, async () => {
        try {
          const out = await post(`/api/admin/units/${encodeURIComponent(u.code)}`, {
            version: u.version, name: cells.name.input.value.trim(), kind: cells.kind.input.value, parent: cells.parent.input.value.trim() || null,
          });
          Object.assign(u, out);
          showNotice(s('saved', { code: u.code }));
          replace(editor);
          await reloadAll();
        } catch (err) {
          fieldErrors(cells, slot, err);
          throw err;
        }
      });
    });
    del.addEventListener('click', () => busy(del, async () => {
      try {
        await post(`/api/admin/units/${encodeURIComponent(u.code)}/delete`, { version: u.version });
        showNotice(s('deleted', { code: u.code }));
        replace(editor);
        await reloadAll();
      } catch (err) {
        fieldErrors(cells, slot, err);
        throw err;
      }
    }));
    replace(editor, card(h('h2', {}, s('editing', { code: u.code })), h('p', { class: 'muted small' }, `${s('version')}: ${u.version}`), form));
    cells.name.input.focus();
  }

  // search (paged, filtered on the server)
  const table = pagedTable({
    id: 'unit-table',
    caption: s('search'),
    path: '/api/admin/units',
    head: [s('code'), s('name'), s('kind'), s('parent'), ''],
    emptyText: s('none'),
    more: s('more'),
    row: (u) => h('tr', { dataset: { code: u.code } },
      td(s('code'), h('span', { class: 'code' }, u.code)), td(s('name'), u.name), td(s('kind'), s(`kind.${u.kind}`)),
      td(s('parent'), u.parent || '—'),
      td('', h('button', { type: 'button', class: 'btn btn-link btn-small', onclick: () => openEditor(u) }, s('edit')))),
  });
  const filters = filterBar({
    id: 'unit-filter',
    apply: s('apply'),
    fields: [
      cell(s('q'), h('input', { type: 'search', name: 'q' })),
      cell(s('kind'), select('kind', kindOptions(true))),
      cell(s('parent'), h('input', { type: 'text', name: 'parent', autocomplete: 'off' })),
    ],
    onApply: (values) => table.reload(values),
  });

  // add a unit
  const add = {
    code: cell(s('code'), h('input', { type: 'text', name: 'code', required: true, autocomplete: 'off', placeholder: 'H33.30.01' })),
    name: cell(s('name'), h('input', { type: 'text', name: 'name', required: true })),
    kind: cell(s('kind'), select('kind', kindOptions(false), 'department')),
    parent: cell(s('parent'), h('input', { type: 'text', name: 'parent', autocomplete: 'off', placeholder: 'H33', list: unitCodes.id })),
  };
  const addSlot = h('p', { class: 'field-error form-error', role: 'alert', hidden: true });
  const createBtn = h('button', { type: 'submit', class: 'btn btn-primary' }, s('create'));
  const addForm = h('form', { class: 'form admin-grid', id: 'unit-add-form', novalidate: true }, Object.values(add).map((c) => c.wrap), addSlot, h('div', { class: 'btn-row' }, createBtn));
  addForm.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(createBtn, async () => {
      try {
        const out = await post('/api/admin/units', {
          code: add.code.input.value.trim(), name: add.name.input.value.trim(), kind: add.kind.input.value, parent: add.parent.input.value.trim() || null,
        });
        fieldErrors(add, addSlot, '');
        addSlot.hidden = true;
        addForm.reset();
        showNotice(s('created', { code: out.code }));
        await reloadAll();
      } catch (err) {
        fieldErrors(add, addSlot, err);
        throw err;
      }
    });
  });

  async function reloadAll() {
    await Promise.all([loadChildren(treeRoot, '-'), table.reload()]);
  }

  view.append(pageTitle(s('title'), h('p', { class: 'muted' }, s('lead'))),
    editor, unitCodes.el,
    card(h('h2', {}, s('tree')), treeRoot),
    card(h('h2', {}, s('search')), filters.form, table.region),
    card(h('h2', {}, s('add')), addForm));
  await reloadAll();
}
