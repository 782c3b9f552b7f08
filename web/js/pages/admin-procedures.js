// Admin: procedures and their electronic process editor. The list pages and filters on the server
// (GET /api/admin/procedures). One procedure opens as an editor of its process: stages in order,
// a stage's steps side by side (a parallel group), each step's agency, role, allowance in working
// time and whether it may return the dossier; documents, fees and the processing time. Saving files
// a change request (POST /api/admin/procedure-changes); the domain's completeness rules answer with
// every problem, shown next to the step or section. The province office publishes or rejects
// pending requests here; the versions table shows the version each publication created.
import { h, replace, uid } from '../dom.js';
import { getLang } from '../i18n.js';
import { get, post, newKey, ApiError } from '../api.js';
import { pageTitle, card, busy, showNotice, loadInto, empty, clearAlerts } from '../ui.js';
import { role, idToken } from '../session.js';
import { units } from '../levels.js';
import { strings, cell, cellError, select, filterBar, pagedTable, td } from './admin-common.js';
import { formatDate, formatDateTime } from '../format.js';
import { naturalInput, naturalHint, readNatural, numberInput, readNumber } from '../natural.js';

const s = strings({
  title: ['Thủ tục và quy trình điện tử', 'Procedures and electronic processes'],
  lead: ['Chọn một thủ tục để sửa quy trình điện tử. Lưu sẽ tạo đề nghị thay đổi; Văn phòng UBND tỉnh công bố thành phiên bản mới.', 'Open a procedure to edit its electronic process. Saving files a change request; the province office publishes it as a new version.'],
  list: ['Danh sách thủ tục', 'Procedures'],
  q: ['Mã hoặc tên thủ tục', 'Code or name'],
  field: ['Lĩnh vực', 'Field'],
  agency: ['Cơ quan chủ trì (mã)', 'Lead agency (code)'],
  apply: ['Lọc', 'Filter'],
  more: ['Xem thêm', 'Show more'],
  none: ['Không có thủ tục phù hợp.', 'No matching procedures.'],
  code: ['Mã', 'Code'],
  name: ['Tên', 'Name'],
  version: ['Phiên bản', 'Version'],
  back: ['← Danh sách thủ tục', '← All procedures'],
  process: ['Quy trình điện tử', 'Electronic process'],
  processHint: ['Các bước cùng một giai đoạn được xử lý song song; thời gian của giai đoạn là thời gian của bước dài nhất.', 'Steps of one stage run in parallel; a stage takes as long as its longest step.'],
  stage: ['Giai đoạn {n}', 'Stage {n}'],
  parallel: ['song song', 'parallel'],
  step: ['Bước', 'Step'],
  stepName: ['Tên bước', 'Step name'],
  stepId: ['Mã bước', 'Step id'],
  stepAgency: ['Cơ quan thực hiện (mã)', 'Agency (code)'],
  stepRole: ['Vai trò', 'Role'],
  allowance: ['Thời gian', 'Allowance'],
  unit: ['Đơn vị tính', 'Unit'],
  mayReturn: ['Được trả lại bước trước', 'May return to the previous stage'],
  addParallel: ['Thêm bước song song', 'Add a parallel step'],
  addStage: ['Thêm giai đoạn', 'Add a stage'],
  removeStep: ['Xóa bước', 'Remove step'],
  removeStage: ['Xóa giai đoạn', 'Remove stage'],
  up: ['Lên', 'Up'],
  merge: ['Song song với giai đoạn trước', 'Run in parallel with the previous stage'],
  split: ['Tách thành giai đoạn riêng', 'Make it a stage of its own'],
  down: ['Xuống', 'Down'],
  total: ['Tổng thời gian các giai đoạn: {used} / thời hạn {limit} ngày làm việc', 'Stages take {used} of the {limit} working days allowed'],
  over: ['Vượt thời hạn giải quyết.', 'Over the processing time.'],
  processingTime: ['Thời hạn giải quyết', 'Processing time'],
  documents: ['Thành phần hồ sơ', 'Required documents'],
  docId: ['Mã giấy tờ', 'Document id'],
  docName: ['Tên giấy tờ', 'Document name'],
  required: ['Bắt buộc', 'Required'],
  addDoc: ['Thêm giấy tờ', 'Add a document'],
  remove: ['Xóa', 'Remove'],
  fees: ['Phí, lệ phí', 'Fees'],
  feeName: ['Tên khoản thu', 'Fee name'],
  amount: ['Số tiền (đồng)', 'Amount (VND)'],
  addFee: ['Thêm khoản thu', 'Add a fee'],
  free: ['Thủ tục miễn phí', 'The procedure is free'],
  request: ['Đề nghị thay đổi', 'Change request'],
  legalBasis: ['Căn cứ pháp lý (văn bản quyết định)', 'Legal basis (the deciding act)'],
  effective: ['Ngày có hiệu lực', 'Effective date'],
  save: ['Lưu thành đề nghị thay đổi', 'Save as a change request'],
  saved: ['Đã tạo đề nghị thay đổi, chờ Văn phòng UBND tỉnh công bố.', 'Change request filed; waiting for the province office to publish it.'],
  problems: ['Thủ tục chưa đầy đủ:', 'The procedure is incomplete:'],
  changes: ['Đề nghị thay đổi', 'Change requests'],
  noChanges: ['Chưa có đề nghị thay đổi.', 'No change requests.'],
  versions: ['Các phiên bản đã công bố', 'Published versions'],
  publish: ['Công bố', 'Publish'],
  reject: ['Từ chối', 'Reject'],
  rejectReason: ['Lý do từ chối', 'Reason for rejecting'],
  published: ['Đã công bố phiên bản {v}.', 'Version {v} published.'],
  rejected: ['Đã từ chối đề nghị.', 'Change request rejected.'],
  proposedBy: ['Người đề nghị', 'Proposed by'],
  state: ['Trạng thái', 'State'],
  effectiveAt: ['Hiệu lực', 'Effective'],
  publishedAt: ['Công bố lúc', 'Published at'],
  'state.proposed': ['Chờ công bố', 'Pending'],
  'state.published': ['Đã công bố', 'Published'],
  'state.rejected': ['Đã từ chối', 'Rejected'],
  'unit.working_days': ['ngày làm việc', 'working days'],
  'unit.working_hours': ['giờ làm việc', 'working hours'],
  'role.specialist': ['Chuyên viên', 'Specialist'],
  'role.leader': ['Lãnh đạo', 'Leader'],
  'role.desk': ['Một cửa', 'Desk'],
});

/** POST that keeps the 422 body's `problems` (every completeness problem) on the ApiError. */
async function postKeepingProblems(path, body) {
  const res = await fetch(path, {
    method: 'POST',
    headers: { Accept: 'application/json', 'Content-Type': 'application/json', Authorization: `Bearer ${idToken()}`, 'Idempotency-Key': newKey() },
    body: JSON.stringify(body),
    credentials: 'same-origin',
    cache: 'no-store',
  });
  const data = await res.json().catch(() => ({}));
  if (res.ok) return data;
  const err = new ApiError({ status: res.status, code: data.code || `http_${res.status}`, message: data.message || '', message_en: data.message_en || '', field: data.field || null });
  err.problems = data.problems || [];
  throw err;
}

const EXTRAS = ['lead_agency_name', 'fee_total_vnd', 'is_online', 'repealed', 'version', 'published_at', 'effective_date', 'state'];
const HOURS_PER_DAY = 7.5;

export async function render(view, { params, navigate }) {
  if (params?.code) return renderEditor(view, params.code, navigate);
  const table = pagedTable({
    id: 'proc-table',
    caption: s('list'),
    path: '/api/admin/procedures',
    head: [s('code'), s('name'), s('field'), s('agency'), s('version')],
    emptyText: s('none'),
    more: s('more'),
    row: (p) => h('tr', { dataset: { code: p.code } },
      td(s('code'), h('span', { class: 'code' }, p.code)),
      td(s('name'), h('a', { href: `#/admin/procedures/${encodeURIComponent(p.code)}` }, p.name)),
      td(s('field'), p.field), td(s('agency'), p.lead_agency), td(s('version'), String(p.version))),
  });
  const filters = filterBar({
    id: 'proc-filter',
    apply: s('apply'),
    fields: [
      cell(s('q'), h('input', { type: 'search', name: 'q' })),
      cell(s('field'), h('input', { type: 'text', name: 'field' })),
      cell(s('agency'), h('input', { type: 'text', name: 'agency', autocomplete: 'off' })),
    ],
    onApply: (values) => table.reload(values),
  });
  view.append(pageTitle(s('title'), h('p', { class: 'muted' }, s('lead'))), card(filters.form, table.region));
  await table.reload();
  return undefined;
}

/** Steps grouped as the domain groups them: a stage number groups, none is a stage alone. */
function toStages(steps) {
  const out = [];
  const byNumber = new Map();
  for (const st of steps) {
    const step = { ...st, allowance: { ...st.allowance } };
    if (st.stage == null) out.push([step]);
    else if (byNumber.has(st.stage)) byNumber.get(st.stage).push(step);
    else {
      const group = [step];
      byNumber.set(st.stage, group);
      out.push(group);
    }
  }
  return out;
}

const hoursOf = (a) => (a?.unit === 'working_hours' ? Number(a.amount) || 0 : (Number(a?.amount) || 0) * HOURS_PER_DAY);
const days = (hours) => Math.round((hours / HOURS_PER_DAY) * 100) / 100;

async function renderEditor(view, code, navigate) {
  const detail = await get(`/api/procedures/${encodeURIComponent(code)}`);
  const isAdmin = role() === 'admin';
  const isProvince = ['province', 'admin'].includes(role());
  const draft = structuredClone(detail);
  for (const k of EXTRAS) delete draft[k];
  let stages = toStages(draft.steps || []);
  const documents = (draft.documents || []).map((d) => ({ ...d }));
  const fees = (draft.fees || []).map((f) => ({ ...f }));
  let stepRefs = []; // flat order of the saved steps -> their cells, for the domain's field paths

  const datalistId = uid('units');
  const datalist = h('datalist', { id: datalistId });
  units().then((list) => list.forEach((u) => datalist.append(h('option', { value: u.code }, `${u.code} — ${u.name}`)))).catch(() => {});

  const processBox = h('div', { id: 'process-editor', class: 'process' });
  const totalLine = h('p', { id: 'process-total', 'aria-live': 'polite' });
  const ptAmount = cell(s('processingTime'), h('input', { type: 'number', min: 1, name: 'pt_amount', value: draft.processing_time?.amount ?? 1 }));
  const ptUnit = cell(s('unit'), select('pt_unit', [['working_days', s('unit.working_days')], ['working_hours', s('unit.working_hours')]], draft.processing_time?.unit || 'working_days'));
  const updateTotal = () => {
    draft.processing_time = { amount: Number(ptAmount.input.value) || 0, unit: ptUnit.input.value };
    const used = stages.reduce((sum, group) => sum + Math.max(0, ...group.map((st) => hoursOf(st.allowance))), 0);
    const limit = hoursOf(draft.processing_time);
    totalLine.className = used > limit ? 'field-error' : 'muted';
    totalLine.textContent = `${s('total', { used: days(used), limit: days(limit) })}${used > limit ? ` ${s('over')}` : ''}`;
  };
  ptAmount.input.addEventListener('input', updateTotal);
  ptUnit.input.addEventListener('change', updateTotal);

  const newStepId = () => {
    const taken = new Set(stages.flat().map((st) => st.id));
    let n = stages.flat().length + 1;
    while (taken.has(`buoc-${n}`)) n += 1;
    return `buoc-${n}`;
  };
  const blankStep = () => ({ id: newStepId(), name: '', agency: draft.lead_agency || '', role: 'specialist', allowance: { amount: 1, unit: 'working_days' }, may_return: true });

  function stepCard(step, si, ti) {
    const bind = (input, set, evt = 'input') => {
      input.addEventListener(evt, () => {
        set(input);
        updateTotal();
      });
      return input;
    };
    const c = {
      name: cell(s('stepName'), bind(h('input', { type: 'text', name: 'step_name', value: step.name }), (i) => { step.name = i.value; })),
      id: cell(s('stepId'), bind(h('input', { type: 'text', name: 'step_id', value: step.id, pattern: '[a-z0-9_-]{1,40}' }), (i) => { step.id = i.value.trim(); })),
      agency: cell(s('stepAgency'), bind(h('input', { type: 'text', name: 'step_agency', value: step.agency, list: datalistId, autocomplete: 'off' }), (i) => { step.agency = i.value.trim(); })),
      role: cell(s('stepRole'), bind(select('step_role', ['specialist', 'leader', 'desk'].map((r) => [r, s(`role.${r}`)]), step.role || 'specialist'), (i) => { step.role = i.value; }, 'change')),
      allowance: cell(s('allowance'), bind(h('input', { type: 'number', min: 1, name: 'step_allowance', value: step.allowance?.amount ?? 1 }), (i) => { step.allowance.amount = Number(i.value); })),
      unit: cell(s('unit'), bind(select('step_unit', [['working_days', s('unit.working_days')], ['working_hours', s('unit.working_hours')]], step.allowance?.unit || 'working_days'), (i) => { step.allowance.unit = i.value; }, 'change')),
    };
    const mayReturn = h('input', { type: 'checkbox', name: 'step_may_return', id: uid('ret') });
    mayReturn.checked = step.may_return !== false;
    mayReturn.addEventListener('change', () => { step.may_return = mayReturn.checked; });
    const remove = h('button', { type: 'button', class: 'btn btn-danger-outline btn-small' }, s('removeStep'));
    remove.addEventListener('click', () => {
      stages[si].splice(ti, 1);
      stages = stages.filter((g) => g.length);
      drawProcess();
    });
    const split = stages[si].length > 1 && h('button', { type: 'button', class: 'btn btn-secondary btn-small' }, s('split'));
    if (split) {
      split.addEventListener('click', () => {
        stages[si].splice(ti, 1);
        stages.splice(si + 1, 0, [step]);
        drawProcess();
      });
    }
    const errorBox = h('p', { class: 'field-error', hidden: true });
    stepRefs.push({ step, cells: c, errorBox });
    return h('div', { class: 'step-card', dataset: { step: step.id } },
      h('p', { class: 'step-title' }, `${s('step')} ${ti + 1}`),
      Object.values(c).map((x) => x.wrap),
      h('div', { class: 'field field-check' }, mayReturn, h('label', { for: mayReturn.id }, s('mayReturn'))),
      errorBox, h('div', { class: 'btn-row' }, remove, split));
  }

  function drawProcess() {
    stepRefs = [];
    const boxes = stages.map((group, si) => {
      const addPar = h('button', { type: 'button', class: 'btn btn-secondary btn-small', dataset: { stage: String(si + 1) } }, s('addParallel'));
      addPar.addEventListener('click', () => {
        group.push(blankStep());
        drawProcess();
        processBox.querySelector(`[data-stage-box="${si + 1}"] .step-card:last-of-type input`)?.focus();
      });
      const move = (delta) => {
        const j = si + delta;
        if (j < 0 || j >= stages.length) return;
        [stages[si], stages[j]] = [stages[j], stages[si]];
        drawProcess();
      };
      const merge = si > 0 && h('button', { type: 'button', class: 'btn btn-secondary btn-small' }, s('merge'));
      if (merge) {
        merge.addEventListener('click', () => {
          stages[si - 1].push(...group);
          stages.splice(si, 1);
          drawProcess();
        });
      }
      const removeStage = h('button', { type: 'button', class: 'btn btn-danger-outline btn-small' }, s('removeStage'));
      removeStage.addEventListener('click', () => {
        stages.splice(si, 1);
        drawProcess();
      });
      return h('fieldset', { class: `stage${group.length > 1 ? ' stage-parallel' : ''}`, dataset: { stageBox: String(si + 1) } },
        h('legend', {}, s('stage', { n: si + 1 }), group.length > 1 ? ` (${s('parallel')})` : ''),
        h('div', { class: 'stage-steps' }, group.map((step, ti) => stepCard(step, si, ti))),
        h('div', { class: 'btn-row' }, addPar,
          h('button', { type: 'button', class: 'btn btn-secondary btn-small', disabled: si === 0, onclick: () => move(-1) }, s('up')),
          h('button', { type: 'button', class: 'btn btn-secondary btn-small', disabled: si === stages.length - 1, onclick: () => move(1) }, s('down')),
          merge, removeStage));
    });
    const addStage = h('button', { type: 'button', class: 'btn btn-secondary', id: 'add-stage' }, s('addStage'));
    addStage.addEventListener('click', () => {
      stages.push([blankStep()]);
      drawProcess();
    });
    replace(processBox, boxes, h('div', { class: 'btn-row' }, addStage));
    updateTotal();
  }

  // documents and fees
  const docsBox = h('div', { id: 'docs-editor' });
  const drawDocs = () => replace(docsBox, h('ul', { class: 'admin-rows' }, documents.map((d, i) => {
    const idIn = h('input', { type: 'text', value: d.id, 'aria-label': s('docId'), oninput: (e) => { d.id = e.target.value.trim(); } });
    const nameIn = h('input', { type: 'text', value: d.name, 'aria-label': s('docName'), oninput: (e) => { d.name = e.target.value; } });
    const req = h('input', { type: 'checkbox', id: uid('req'), onchange: (e) => { d.required = e.target.checked; } });
    req.checked = d.required !== false;
    return h('li', {}, idIn, ' ', nameIn, ' ', req, h('label', { for: req.id }, s('required')), ' ',
      h('button', { type: 'button', class: 'btn btn-link btn-small', onclick: () => { documents.splice(i, 1); drawDocs(); } }, s('remove')));
  })), h('button', { type: 'button', class: 'btn btn-secondary btn-small', onclick: () => { documents.push({ id: `giay-to-${documents.length + 1}`, name: '', required: true }); drawDocs(); } }, s('addDoc')));
  const feesBox = h('div', { id: 'fees-editor' });
  const free = h('input', { type: 'checkbox', id: uid('free') });
  free.checked = !fees.length;
  const drawFees = () => replace(feesBox, h('ul', { class: 'admin-rows' }, fees.map((f, i) => h('li', {},
    h('input', { type: 'text', value: f.name, 'aria-label': s('feeName'), oninput: (e) => { f.name = e.target.value; } }), ' ',
    numberInput({ integer: true }, { 'aria-label': s('amount'), oninput: (e) => { f.amount_vnd = readNumber(e.target.value).value ?? e.target.value; } }, f.amount_vnd), ' ',
    h('button', { type: 'button', class: 'btn btn-link btn-small', onclick: () => { fees.splice(i, 1); drawFees(); } }, s('remove'))))),
  h('button', { type: 'button', class: 'btn btn-secondary btn-small', onclick: () => { fees.push({ name: '', amount_vnd: 0 }); drawFees(); } }, s('addFee')));

  // the change request itself
  const tomorrow = new Date(Date.now() + 86400000).toISOString().slice(0, 10);
  const legal = cell(s('legalBasis'), h('input', { type: 'text', name: 'legal_basis', maxlength: 500 }));
  const effective = cell(s('effective'), naturalInput('date', { name: 'effective_date' }, tomorrow), { hint: naturalHint('date') });
  const problems = h('div', { id: 'editor-problems', role: 'alert' });
  const saveBtn = h('button', { type: 'submit', class: 'btn btn-primary', id: 'save-change' }, s('save'));
  const sectionErrors = { steps: totalLine, fees: h('p', { class: 'field-error', hidden: true }), documents: h('p', { class: 'field-error', hidden: true }) };

  const changesBox = h('div', { id: 'proc-changes' });
  const versionsBox = h('div', { id: 'proc-versions' });

  function flatten() {
    return stages.flatMap((group, si) => group.map((st) => ({ ...st, stage: group.length > 1 ? si + 1 : null })));
  }

  function clearErrors() {
    replace(problems);
    for (const ref of stepRefs) {
      Object.values(ref.cells).forEach((c) => cellError(c, ''));
      ref.errorBox.hidden = true;
    }
    for (const c of [legal, effective, ptAmount]) cellError(c, '');
    for (const box of [sectionErrors.fees, sectionErrors.documents]) box.hidden = true;
  }

  /** Put each problem next to what it names: steps.N.field, a section, or the request's fields. */
  function showProblems(list) {
    const keys = { name: 'name', id: 'id', agency: 'agency', role: 'role', allowance: 'allowance' };
    for (const p of list) {
      const text = getLang() === 'en' ? p.message_en || p.message : p.message || p.message_en;
      const m = /^steps\.(\d+)(?:\.(\w+))?/.exec(p.field || '');
      if (m && stepRefs[Number(m[1])]) {
        const ref = stepRefs[Number(m[1])];
        const target = ref.cells[keys[m[2]]];
        if (target) cellError(target, text);
        else { ref.errorBox.textContent = text; ref.errorBox.hidden = false; }
      } else if (p.field === 'legal_basis') cellError(legal, text);
      else if (p.field === 'effective_date') cellError(effective, text);
      else if (p.field === 'processing_time') cellError(ptAmount, text);
      else if (sectionErrors[String(p.field || '').split('.')[0]] && p.field !== 'steps') {
        const box = sectionErrors[String(p.field).split('.')[0]];
        box.textContent = text;
        box.hidden = false;
      }
    }
    replace(problems, h('div', { class: 'alert alert-error' }, h('p', {}, s('problems')),
      h('ul', {}, list.map((p) => h('li', { dataset: { field: p.field || '' } }, getLang() === 'en' ? p.message_en || p.message : p.message || p.message_en)))));
  }

  const form = h('form', { class: 'form', id: 'procedure-editor', novalidate: true },
    h('h2', {}, s('process')), h('p', { class: 'muted small' }, s('processHint')),
    h('div', { class: 'admin-grid' }, ptAmount.wrap, ptUnit.wrap), totalLine, processBox, datalist,
    h('h2', {}, s('documents')), sectionErrors.documents, docsBox,
    h('h2', {}, s('fees')), h('div', { class: 'field field-check' }, free, h('label', { for: free.id }, s('free'))), sectionErrors.fees, feesBox,
    h('h2', {}, s('request')), h('div', { class: 'admin-grid' }, legal.wrap, effective.wrap), problems,
    isAdmin ? h('div', { class: 'btn-row' }, saveBtn) : '');
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearErrors();
    clearAlerts();
    const effectiveDate = readNatural('date', effective.input.value, s('effective'));
    if (effectiveDate.problem) {
      cellError(effective, effectiveDate.problem);
      effective.input.focus();
      return;
    }
    busy(saveBtn, async () => {
      const body = {
        kind: 'amended',
        procedure_code: code,
        draft: { ...draft, processing_time: { amount: Number(ptAmount.input.value), unit: ptUnit.input.value }, steps: flatten(), documents, fees },
        free: free.checked,
        legal_basis: legal.input.value.trim(),
        effective_date: effectiveDate.value || null,
      };
      try {
        await postKeepingProblems('/api/admin/procedure-changes', body);
        showNotice(s('saved'));
        await loadChanges();
      } catch (err) {
        if (err instanceof ApiError && err.code === 'procedure_incomplete') {
          const raw = err.problems || [];
          showProblems(raw.length ? raw : [{ field: err.field, message: err.messageVi, message_en: err.messageEn }]);
        } else if (err instanceof ApiError) {
          showProblems([{ field: err.field, message: err.messageVi, message_en: err.messageEn }]);
        }
        throw err;
      }
    });
  });

  function changeRow(c) {
    const actions = h('div', { class: 'btn-row' });
    if (isProvince && c.state === 'proposed') {
      const pub = h('button', { type: 'button', class: 'btn btn-primary btn-small' }, s('publish'));
      pub.addEventListener('click', () => busy(pub, async () => {
        const out = await post(`/api/province/procedure-changes/${encodeURIComponent(c.id)}/publish`);
        showNotice(s('published', { v: out.published_version }));
        await Promise.all([loadChanges(), loadVersions()]);
      }));
      const reason = h('input', { type: 'text', 'aria-label': s('rejectReason'), placeholder: s('rejectReason') });
      const rej = h('button', { type: 'button', class: 'btn btn-danger-outline btn-small' }, s('reject'));
      rej.addEventListener('click', () => busy(rej, async () => {
        await post(`/api/province/procedure-changes/${encodeURIComponent(c.id)}/reject`, { reason: reason.value.trim() });
        showNotice(s('rejected'));
        await loadChanges();
      }));
      actions.append(pub, reason, rej);
    }
    return h('li', { class: 'change-item', dataset: { id: c.id, state: c.state } },
      h('span', { class: `badge ${c.state === 'proposed' ? 'badge-soon' : c.state === 'published' ? 'badge-ok' : 'badge-late'}` }, s(`state.${c.state}`)), ' ',
      h('strong', {}, c.legal_basis), ' — ', `${s('proposedBy')}: ${c.proposed_by}`, ' · ', `${s('effectiveAt')}: ${formatDate(c.effective_date)}`,
      c.published_version ? ` · ${s('version')} ${c.published_version}` : '', c.reason ? ` · ${c.reason}` : '', actions);
  }
  const loadChanges = () => loadInto(changesBox, () => get(`/api/admin/procedures/${encodeURIComponent(code)}/changes`), (body) =>
    (body.items.length ? replace(changesBox, h('ul', { class: 'admin-rows' }, body.items.map(changeRow))) : replace(changesBox, empty(s('noChanges')))));
  const loadVersions = () => loadInto(versionsBox, () => get(`/api/procedures/${encodeURIComponent(code)}/versions`), (body) =>
    replace(versionsBox, h('div', { class: 'table-wrap' }, h('table', { class: 'table table-stack', id: 'versions-table' },
      h('caption', { class: 'sr-only' }, s('versions')),
      h('thead', {}, h('tr', {}, [s('version'), s('name'), s('effectiveAt'), s('publishedAt')].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, body.items.map((v) => h('tr', { dataset: { version: String(v.version) } },
        td(s('version'), String(v.version)), td(s('name'), v.name), td(s('effectiveAt'), formatDate(v.effective_date)), td(s('publishedAt'), formatDateTime(v.published_at)))))))));

  drawProcess();
  drawDocs();
  drawFees();
  view.append(
    pageTitle(`${detail.code} — ${detail.name}`, h('p', {}, h('a', { href: '#/admin/procedures', onclick: (e) => { e.preventDefault(); navigate('#/admin/procedures'); } }, s('back'))),
      h('p', { class: 'muted' }, `${s('version')} ${detail.version} · ${s('agency')}: ${detail.lead_agency}`)),
    card(h('h2', {}, s('changes')), changesBox),
    card(h('h2', {}, s('versions')), versionsBox),
    card(form));
  await Promise.all([loadChanges(), loadVersions()]);
  return undefined;
}
