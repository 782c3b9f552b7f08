// Admin: staff accounts and roles. A paged list filtered on the server (role, unit, text); create an
// account (its temporary password is shown once); change role, unit, name, title (chức danh, what
// the national portal is told) or e-mail; disable and
// enable (POST /api/admin/users/{u}/disable, /api/admin/accounts/{u}/enable). All audited.
import { h, replace } from '../dom.js';
import { post, ApiError } from '../api.js';
import { pageTitle, card, busy, showNotice } from '../ui.js';
import { me } from '../session.js';
import { strings, cell, cellError, select, filterBar, pagedTable, td, unitDatalist } from './admin-common.js';

const s = strings({
  title: ['Tài khoản cán bộ và vai trò', 'Staff accounts and roles'],
  lead: ['Cán bộ một cửa, chuyên viên và lãnh đạo phải thuộc một đơn vị. Mọi thay đổi được ghi nhật ký.', 'Desk, agency and leader accounts belong to a unit. Every change is audited.'],
  list: ['Danh sách tài khoản', 'Accounts'],
  q: ['Tên, tên đăng nhập hoặc e-mail', 'Name, username or e-mail'],
  role: ['Vai trò', 'Role'],
  unit: ['Đơn vị (mã)', 'Unit (code)'],
  any: ['Tất cả', 'All'],
  apply: ['Lọc', 'Filter'],
  more: ['Xem thêm', 'Show more'],
  none: ['Không có tài khoản phù hợp.', 'No matching accounts.'],
  username: ['Tên đăng nhập', 'Username'],
  name: ['Họ và tên', 'Full name'],
  jobTitle: ['Chức danh', 'Job title'],
  email: ['E-mail', 'E-mail'],
  state: ['Trạng thái', 'State'],
  enabled: ['Đang hoạt động', 'Active'],
  disabled: ['Đã khóa', 'Disabled'],
  edit: ['Sửa', 'Edit'],
  disable: ['Khóa', 'Disable'],
  enable: ['Mở khóa', 'Enable'],
  save: ['Lưu', 'Save'],
  add: ['Tạo tài khoản cán bộ', 'Create a staff account'],
  create: ['Tạo tài khoản', 'Create account'],
  created: ['Đã tạo tài khoản {username}. Mật khẩu tạm thời (chỉ hiển thị một lần, hãy chuyển cho cán bộ qua kênh an toàn):', 'Account {username} created. Temporary password (shown once; hand it over securely):'],
  editing: ['Sửa tài khoản {username}', 'Edit account {username}'],
  saved: ['Đã lưu tài khoản {username}.', 'Account {username} saved.'],
  disabledOk: ['Đã khóa tài khoản {username}.', 'Account {username} disabled.'],
  enabledOk: ['Đã mở khóa tài khoản {username}.', 'Account {username} enabled.'],
  'role.desk': ['Cán bộ một cửa', 'Desk officer'],
  'role.agency': ['Chuyên viên xử lý', 'Agency officer'],
  'role.leader': ['Lãnh đạo', 'Leader'],
  'role.province': ['Văn phòng UBND tỉnh', 'Province office'],
  'role.admin': ['Quản trị hệ thống', 'Administrator'],
});

const ROLES = ['desk', 'agency', 'leader', 'province', 'admin'];
const roleOptions = (blank) => [...(blank ? [['', s('any')]] : []), ...ROLES.map((r) => [r, s(`role.${r}`)])];

function showFieldError(cells, slot, err) {
  Object.values(cells).forEach((c) => cellError(c, ''));
  const text = err ? (err instanceof ApiError ? err.text : String(err.message || err)) : '';
  const target = err instanceof ApiError && err.field ? cells[err.field] : null;
  if (target) cellError(target, text);
  slot.textContent = target ? '' : text;
  slot.hidden = Boolean(target) || !text;
}

function form(id, cells, buttonText, onSubmit) {
  const slot = h('p', { class: 'field-error form-error', role: 'alert', hidden: true });
  const button = h('button', { type: 'submit', class: 'btn btn-primary' }, buttonText);
  const el = h('form', { class: 'form admin-grid', id, novalidate: true }, Object.values(cells).map((c) => c.wrap), slot, h('div', { class: 'btn-row' }, button));
  el.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(button, async () => {
      try {
        await onSubmit();
        showFieldError(cells, slot, null);
      } catch (err) {
        showFieldError(cells, slot, err);
        throw err;
      }
    });
  });
  return el;
}

export async function render(view) {
  const editor = h('div', { id: 'user-editor' });
  const secret = h('div', { id: 'user-created', 'aria-live': 'polite' });
  const self = me()?.username;
  const unitCodes = unitDatalist();

  const table = pagedTable({
    id: 'user-table',
    caption: s('list'),
    path: '/api/admin/users',
    head: [s('username'), s('name'), s('role'), s('unit'), s('state'), ''],
    emptyText: s('none'),
    more: s('more'),
    row: (u) => {
      const toggle = h('button', { type: 'button', class: 'btn btn-link btn-small' }, u.enabled ? s('disable') : s('enable'));
      toggle.addEventListener('click', () => busy(toggle, async () => {
        const path = u.enabled ? `/api/admin/users/${encodeURIComponent(u.username)}/disable` : `/api/admin/accounts/${encodeURIComponent(u.username)}/enable`;
        await post(path);
        showNotice(s(u.enabled ? 'disabledOk' : 'enabledOk', { username: u.username }));
        await table.reload();
      }));
      return h('tr', { dataset: { username: u.username } },
        td(s('username'), h('span', { class: 'code' }, u.username)), td(s('name'), u.title ? `${u.name} (${u.title})` : u.name), td(s('role'), s(`role.${u.role}`)),
        td(s('unit'), u.unit || '—'),
        td(s('state'), h('span', { class: `badge ${u.enabled ? 'badge-ok' : 'badge-late'}` }, u.enabled ? s('enabled') : s('disabled'))),
        td('', h('button', { type: 'button', class: 'btn btn-link btn-small', onclick: () => openEditor(u) }, s('edit')), ' ', u.username === self ? '' : toggle));
    },
  });
  const filters = filterBar({
    id: 'user-filter',
    apply: s('apply'),
    fields: [
      cell(s('q'), h('input', { type: 'search', name: 'q' })),
      cell(s('role'), select('role', roleOptions(true))),
      cell(s('unit'), h('input', { type: 'text', name: 'unit', autocomplete: 'off', list: unitCodes.id })),
    ],
    onApply: (values) => table.reload(values),
  });

  function openEditor(u) {
    const cells = {
      name: cell(s('name'), h('input', { type: 'text', name: 'name', value: u.name })),
      title: cell(s('jobTitle'), h('input', { type: 'text', name: 'title', value: u.title || '' })),
      email: cell(s('email'), h('input', { type: 'email', name: 'email', value: u.email })),
      role: cell(s('role'), select('role', roleOptions(false), u.role)),
      unit: cell(s('unit'), h('input', { type: 'text', name: 'unit', value: u.unit || '', autocomplete: 'off', list: unitCodes.id })),
    };
    const el = form('user-edit-form', cells, s('save'), async () => {
      await post(`/api/admin/users/${encodeURIComponent(u.username)}`, {
        name: cells.name.input.value.trim(), title: cells.title.input.value.trim(), email: cells.email.input.value.trim(), role: cells.role.input.value, unit: cells.unit.input.value.trim() || null,
      });
      showNotice(s('saved', { username: u.username }));
      replace(editor);
      await table.reload();
    });
    replace(editor, card(h('h2', {}, s('editing', { username: u.username })), el));
    cells.name.input.focus();
  }

  const add = {
    username: cell(s('username'), h('input', { type: 'text', name: 'username', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false' })),
    name: cell(s('name'), h('input', { type: 'text', name: 'name' })),
    title: cell(s('jobTitle'), h('input', { type: 'text', name: 'title' })),
    email: cell(s('email'), h('input', { type: 'email', name: 'email' })),
    role: cell(s('role'), select('role', roleOptions(false), 'agency')),
    unit: cell(s('unit'), h('input', { type: 'text', name: 'unit', autocomplete: 'off', list: unitCodes.id })),
  };
  const addForm = form('user-add-form', add, s('create'), async () => {
    const out = await post('/api/admin/users', {
      username: add.username.input.value.trim(), name: add.name.input.value.trim(), title: add.title.input.value.trim(), email: add.email.input.value.trim(),
      role: add.role.input.value, unit: add.unit.input.value.trim() || null,
    });
    replace(secret, card(h('p', {}, s('created', { username: out.username })), h('p', {}, h('code', { class: 'code', id: 'temporary-password' }, out.temporary_password))));
    addForm.reset();
    await table.reload();
  });

  view.append(pageTitle(s('title'), h('p', { class: 'muted' }, s('lead'))),
    secret, editor, unitCodes.el,
    card(h('h2', {}, s('list')), filters.form, table.region),
    card(h('h2', {}, s('add')), addForm));
  await table.reload();
}
