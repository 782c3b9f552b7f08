// Boot: header, language toggle, navigation by role, and the hash router.
import { h, replace } from './dom.js';
import { t, getLang, setLang, applyStatic } from './i18n.js';
import { get, setUnauthorizedHandler } from './api.js';
import { finishVneidIfReturning, takeVneidLogoutUrl } from './vneid.js';
import { loadMaintenance, drawMaintenance } from './maintenance.js';
import { getSession, clearSession, role, onSessionChange, forgetAllTyping } from './session.js';
import { clearAlerts, showError, showNotice, loading, setFlash, takeFlash } from './ui.js';

// [pattern, loader, role required (or null)]; pages load on demand to keep the first visit light.
const ROUTES = [
  ['/', () => import('./pages/home.js'), null],
  ['/procedures/:code', () => import('./pages/procedure.js'), null],
  ['/lookup', () => import('./pages/lookup.js'), null],
  ['/lookup/face', () => import('./pages/face-lookup.js'), null],
  ['/faq', () => import('./pages/faq.js'), null],
  ['/rate', () => import('./pages/rate.js'), null],
  ['/support', () => import('./pages/support.js'), ['desk', 'agency', 'leader', 'admin']],
  ['/signin', () => import('./pages/signin.js'), null],
  ['/signup', () => import('./pages/signup.js'), null],
  ['/forgot-password', () => import('./pages/forgot-password.js'), null],
  ['/profile', () => import('./pages/profile.js'), ['citizen', 'desk', 'agency', 'leader', 'province', 'admin']],
  ['/submit/:code', () => import('./pages/submit.js'), 'citizen'],
  ['/my', () => import('./pages/my-list.js'), 'citizen'],
  ['/my/documents', () => import('./pages/my-documents.js'), 'citizen'],
  ['/my/followed', () => import('./pages/my-followed.js'), 'citizen'],
  ['/my/followed/:id', () => import('./pages/my-followed-detail.js'), 'citizen'],
  ['/my/feedback', () => import('./pages/my-feedback.js'), 'citizen'],
  ['/feedback', () => import('./pages/feedback.js'), null],
  ['/feedback/:code', () => import('./pages/feedback-status.js'), null],
  ['/qa', () => import('./pages/qa.js'), null],
  ['/staff/feedback', () => import('./pages/staff-feedback.js'), ['desk', 'agency', 'leader', 'province', 'admin']],
  ['/my/access-log', () => import('./pages/my-access-log.js'), 'citizen'],
  ['/my/face', () => import('./pages/my-face.js'), 'citizen'],
  ['/my/privacy', () => import('./pages/my-privacy.js'), 'citizen'],
  ['/admin/breaches', () => import('./pages/admin-breaches.js'), 'admin'],
  ['/admin/procedures', () => import('./pages/admin-procedures.js'), ['admin', 'province']],
  ['/admin/procedures/:code', () => import('./pages/admin-procedures.js'), ['admin', 'province']],
  ['/admin/units', () => import('./pages/admin-units.js'), 'admin'],
  ['/admin/users', () => import('./pages/admin-users.js'), 'admin'],
  ['/admin/calendar', () => import('./pages/admin-calendar.js'), 'admin'],
  ['/admin/maintenance', () => import('./pages/admin-maintenance.js'), 'admin'],
  ['/admin/certificates', () => import('./pages/admin-certificates.js'), 'admin'],
  ['/my/:id', () => import('./pages/my-detail.js'), 'citizen'],
  ['/desk', () => import('./pages/desk-inbox.js'), 'desk'],
  ['/desk/new', () => import('./pages/desk-new.js'), 'desk'],
  ['/desk/new/:code', () => import('./pages/desk-new.js'), 'desk'],
  ['/desk/:id', () => import('./pages/desk-detail.js'), 'desk'],
  ['/agency', () => import('./pages/agency-tasks.js'), ['agency', 'leader']],
  ['/agency/:id', () => import('./pages/agency-detail.js'), ['agency', 'leader', 'admin']],
  ['/leader', () => import('./pages/leader-pending.js'), ['leader', 'admin']],
  ['/admin', () => import('./pages/admin.js'), 'admin'],
  ['/dashboard', () => import('./pages/dashboard.js'), ['province', 'admin', 'leader', 'agency']],
  ['/reports', () => import('./pages/reports.js'), ['province', 'admin', 'leader']],
  ['/alerts', () => import('./pages/alerts.js'), ['agency', 'leader']],
  ['/transparency', () => import('./pages/transparency.js'), null],
];

/** Whether role `r` may use a route/nav entry that needs `needs` (a role or a list of roles). */
const allows = (needs, r) => !needs || (Array.isArray(needs) ? needs.includes(r) : needs === r);

const NAV = [
  ['#/', 'nav.home', null],
  ['#/lookup', 'nav.lookup', null],
  ['#/faq', 'nav.faq', null],
  ['#/my', 'nav.my', 'citizen'],
  ['#/my/documents', 'nav.myDocuments', 'citizen'],
  ['#/my/followed', 'nav.myFollowed', 'citizen'],
  ['#/feedback', 'nav.feedback', null],
  ['#/qa', 'nav.qa', null],
  ['#/my/feedback', 'nav.myFeedback', 'citizen'],
  ['#/staff/feedback', 'nav.staffFeedback', ['desk', 'agency', 'leader', 'province', 'admin']],
  ['#/my/access-log', 'nav.myAccessLog', 'citizen'],
  ['#/my/privacy', 'nav.myPrivacy', 'citizen'],
  ['#/admin/breaches', 'nav.breaches', 'admin'],
  ['#/profile', 'nav.profile', ['citizen', 'desk', 'agency', 'leader', 'province', 'admin']],
  ['#/desk', 'nav.desk', 'desk'],
  ['#/desk/new', 'nav.deskWalkIn', 'desk'],
  ['#/agency', 'nav.agency', ['agency', 'leader']],
  ['#/leader', 'nav.leader', 'leader'],
  ['#/admin', 'nav.admin', 'admin'],
  ['#/admin/procedures', 'nav.adminProcedures', ['admin', 'province']],
  ['#/admin/units', 'nav.adminUnits', 'admin'],
  ['#/admin/users', 'nav.adminUsers', 'admin'],
  ['#/admin/calendar', 'nav.adminCalendar', 'admin'],
  ['#/admin/maintenance', 'nav.adminMaintenance', 'admin'],
  ['#/admin/certificates', 'nav.adminCertificates', 'admin'],
  ['#/support', 'nav.support', ['desk', 'agency', 'leader', 'admin']],
  ['#/dashboard', 'nav.dashboard', ['province', 'admin', 'leader', 'agency']],
  ['#/reports', 'nav.reports', ['province', 'admin', 'leader']],
  ['#/alerts', 'nav.alerts', ['agency', 'leader']],
  ['#/transparency', 'nav.transparency', null],
];

const config = { province: '' };
let renderCount = 0;
let firstRender = true;

function currentHash() {
  return location.hash || '#/';
}

/** Go to a hash route (re-renders even when it is the current one). */
function navigate(hash) {
  if (currentHash() === hash) route();
  else location.hash = hash;
}

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, qs = ''] = raw.split('?');
  return { path: path.replace(/\/+$/, '') || '/', query: Object.fromEntries(new URLSearchParams(qs)) };
}

function match(path) {
  for (const [pattern, loader, needs] of ROUTES) {
    const names = [];
    const re = new RegExp(`^${pattern.replace(/:(\w+)/g, (_, n) => { names.push(n); return '([^/]+)'; })}$`);
    const m = path.match(re);
    if (m) {
      const params = Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1])]));
      return { loader, needs, params };
    }
  }
  return null;
}

async function route() {
  const ticket = ++renderCount;
  const { path, query } = parseHash();
  const main = document.getElementById('main');
  clearAlerts();
  setMenu(false); // a navigation closes the narrow screens' menu
  renderNav();
  const hit = match(path);
  const view = h('div', { class: 'view' });
  replace(main, view);
  if (!hit) {
    replace(view, h('h1', { tabindex: '-1' }, t('page.notFound')), h('p', {}, h('a', { href: '#/' }, t('nav.home'))));
    return finish(view);
  }
  if (hit.needs && !getSession()) {
    location.replace(`#/signin?next=${encodeURIComponent(currentHash())}`);
    return undefined;
  }
  if (hit.needs && !allows(hit.needs, role())) {
    replace(view, h('h1', { tabindex: '-1' }, t('page.forbidden')), h('p', {}, t('page.forbiddenText')));
    return finish(view);
  }
  view.append(loading());
  main.setAttribute('aria-busy', 'true');
  try {
    const page = await hit.loader();
    if (ticket !== renderCount) return undefined;
    replace(view);
    await page.render(view, { params: hit.params, query, navigate, isCurrent: () => ticket === renderCount });
  } catch (err) {
    if (ticket !== renderCount) return undefined;
    showError(err, { retry: route });
  } finally {
    main.removeAttribute('aria-busy');
  }
  if (ticket !== renderCount) return undefined;
  return finish(view);
}

function finish(view) {
  const title = view.querySelector('h1');
  document.title = [title?.textContent, config.province || t('site.title')].filter(Boolean).join(' — ');
  const flash = takeFlash();
  if (flash?.kind === 'error') showError(flash.text);
  else if (flash) showNotice(flash.text);
  if (!firstRender) title?.focus({ preventScroll: false });
  firstRender = false;
}

function renderNav() {
  const session = getSession();
  const here = `#${parseHash().path}`;
  const links = NAV.filter(([, , needs]) => allows(needs, session?.me?.role)).map(([href, key]) => {
    // the longest matching entry is the current one (#/my/documents is not also #/my)
    const longer = NAV.some(([other]) => other.length > href.length && other.startsWith(`${href}/`) && (here === other || here.startsWith(`${other}/`)));
    const active = here === href || (href !== '#/' && here.startsWith(`${href}/`) && !longer);
    return h('a', { href, class: 'nav-link', 'aria-current': active ? 'page' : null }, t(key));
  });
  const who = session
    ? h('div', { class: 'nav-user' },
      h('span', { class: 'nav-name' }, session.me?.name || session.me?.username || ''),
      h('button', { type: 'button', class: 'btn btn-small btn-ghost', onclick: signOut }, t('nav.signout')))
    : h('div', { class: 'nav-user' },
      h('a', { href: '#/signin', class: 'nav-link nav-signin', 'aria-current': here === '#/signin' ? 'page' : null }, t('nav.signin')),
      h('a', { href: '#/signup', class: 'nav-link nav-signup', 'aria-current': here === '#/signup' ? 'page' : null }, t('nav.signup')));
  replace(document.getElementById('nav-inner'), h('div', { class: 'nav-links' }, links), who);
}

/** Open or close the narrow screens' menu (on wide screens the nav is always shown). */
function setMenu(open, { focusButton = false } = {}) {
  const button = document.getElementById('menu-toggle');
  document.querySelector('.site-header').classList.toggle('nav-open', open);
  button.setAttribute('aria-expanded', String(open));
  if (focusButton) button.focus();
}

function wireMenu() {
  const button = document.getElementById('menu-toggle');
  const header = document.querySelector('.site-header');
  button.addEventListener('click', () => setMenu(button.getAttribute('aria-expanded') !== 'true'));
  // Escape closes it from the button or from inside the menu, and gives focus back to the button.
  header.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && header.classList.contains('nav-open')) {
      e.preventDefault();
      setMenu(false, { focusButton: true });
    }
  });
  // A link chosen in the menu closes it even when it is the page already shown.
  document.getElementById('site-nav').addEventListener('click', (e) => {
    if (e.target.closest('a')) setMenu(false);
  });
}

function signOut() {
  forgetAllTyping();
  clearSession();
  setFlash(t('signin.signedOut'));
  const vneidLogout = takeVneidLogoutUrl();
  if (vneidLogout) {
    location.assign(vneidLogout); // VNeID ends its session too, then sends the browser back here
    return;
  }
  navigate('#/');
}

function renderChrome() {
  const site = t('site.title');
  document.documentElement.lang = getLang();
  document.getElementById('brand-title').textContent = site;
  document.getElementById('brand-sub').textContent = config.province || '';
  const toggle = document.getElementById('lang-toggle');
  toggle.textContent = getLang() === 'vi' ? 'English' : 'Tiếng Việt';
  toggle.lang = getLang() === 'vi' ? 'en' : 'vi';
  toggle.setAttribute('aria-label', t('lang.switch'));
  document.getElementById('site-nav').setAttribute('aria-label', t('nav.label'));
  document.querySelector('.brand').setAttribute('aria-label', `${site} — ${t('nav.home')}`);
  replace(document.getElementById('footer-text'),
    h('p', {}, [config.province, site].filter(Boolean).join(' · ')),
    h('p', { class: 'muted' }, t('site.footer')),
    h('p', {}, h('a', { href: '#/transparency', id: 'footer-transparency' }, t('pub.title'))));
  applyStatic();
}

async function loadConfig() {
  try {
    const c = (await get('/api/config', {}, { auth: false })) || {};
    const p = c.province;
    config.province = c.province_name || (typeof p === 'string' ? p : p?.name) || c.site_name || '';
  } catch {
    config.province = '';
  }
  renderChrome();
}

function start() {
  renderChrome();
  wireMenu();
  document.getElementById('lang-toggle').addEventListener('click', () => {
    setLang(getLang() === 'vi' ? 'en' : 'vi');
    renderChrome();
    drawMaintenance();
    route();
  });
  setUnauthorizedHandler(() => {
    setFlash(t('signin.expired'), 'error');
    const next = currentHash().startsWith('#/signin') ? '' : `?next=${encodeURIComponent(currentHash())}`;
    location.hash = `#/signin${next}`;
  });
  onSessionChange(renderNav);
  window.addEventListener('hashchange', route);
  loadConfig();
  loadMaintenance();
  finishVneidIfReturning(navigate).then((handled) => {
    if (!handled) route();
  });
}

start();
