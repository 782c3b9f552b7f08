// The local twin of VNeID's OpenID Connect provider: panva's oidc-provider (OpenID Certified),
// configured as VNeID behaves for a public-service client (authorization code + PKCE S256 only,
// assurance level in `acr`, the citizen's ID number, name and birth date as claims), with the demo
// citizens of accounts.json and a login page of its own (no dev interactions). An organisation
// account (kind "organisation": a business, signed in by its legal representative) answers
// `loai_tai_khoan` = "to_chuc", its number in `so_dinh_danh` and `nguoi_dai_dien` {so_dinh_danh,
// name}; a person's answers `loai_tai_khoan` = "ca_nhan".
//
// Environment:
//   VNEID_HOST (127.0.0.1), VNEID_PORT (0 = a free port)
//   VNEID_CLIENT_ID, VNEID_CLIENT_SECRET      the one relying party (our API), client_secret_basic
//   VNEID_REDIRECT_URIS, VNEID_POST_LOGOUT_URIS  comma-separated
//   VNEID_ACCOUNTS (accounts.json beside this file)
//   VNEID_MODE (ok | down | slow | bad_signature), VNEID_DELAY_MS (slow: 3000)
// Fault control while running: POST /__twin/mode {"mode": "...", "delay_ms": n}; GET /__twin/mode.
// On start it prints one line: `VNEID_TWIN_READY <issuer>`.
//
// What a real deployment would not do, and this twin does on purpose: in-memory storage (a restart
// forgets sessions and codes), signing and cookie keys generated at every start, plain HTTP on the
// loopback address. oidc-provider warns about these at start; they are fine for a local twin.
import http from 'node:http';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Provider from 'oidc-provider';

const here = path.dirname(fileURLToPath(import.meta.url));
const env = process.env;
const host = env.VNEID_HOST || '127.0.0.1';
const accountsFile = env.VNEID_ACCOUNTS || path.join(here, 'accounts.json');
const accounts = JSON.parse(fs.readFileSync(accountsFile, 'utf8')).accounts;
const byId = new Map(accounts.map((a) => [a.so_dinh_danh, a]));
const bySub = new Map(accounts.map((a) => [a.sub, a]));
const ACR_VALUES = ['urn:vneid:loa:1', 'urn:vneid:loa:2'];
const MODES = new Set(['ok', 'down', 'slow', 'bad_signature']);

const fault = { mode: MODES.has(env.VNEID_MODE) ? env.VNEID_MODE : 'ok', delayMs: Number(env.VNEID_DELAY_MS || 3000) };

const split = (v) => (v || '').split(',').map((s) => s.trim()).filter(Boolean);
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));

function signingKey() {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  return { ...jwk, kid: crypto.randomBytes(8).toString('hex'), use: 'sig', alg: 'RS256' };
}

async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 16384) throw new Error('body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
const readForm = async (req) => new URLSearchParams(await readBody(req));

function page(res, status, title, body) {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(`<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>body{font-family:sans-serif;background:#f3f5f9;margin:0}main{max-width:380px;margin:40px auto;background:#fff;padding:24px;border-radius:8px;box-shadow:0 1px 4px #0002}
h1{font-size:1.3em;color:#a50e0e}label{display:block;margin:12px 0 4px}input{width:100%;padding:8px;box-sizing:border-box}button{margin-top:16px;width:100%;padding:10px;background:#a50e0e;color:#fff;border:0;border-radius:4px;font-size:1em}
.err{color:#a50e0e;background:#fde8e8;padding:8px;border-radius:4px}.muted{color:#555;font-size:.9em}</style></head><body><main>${body}</main></body></html>`);
}

function loginPage(res, uid, { error = '', login = '', client = '' } = {}) {
  page(res, error ? 401 : 200, 'Đăng nhập VNeID', `<h1>Định danh điện tử VNeID</h1>
<p class="muted">Đăng nhập để sử dụng dịch vụ công${client ? ` của <b>${esc(client)}</b>` : ''} (môi trường thử nghiệm cục bộ).</p>
${error ? `<p class="err" role="alert">${esc(error)}</p>` : ''}
<form method="post" action="/interaction/${esc(uid)}/login" autocomplete="off">
<label for="login">Số định danh cá nhân hoặc mã số tổ chức</label><input id="login" name="login" inputmode="numeric" value="${esc(login)}" required autofocus>
<label for="password">Mật khẩu</label><input id="password" name="password" type="password" required>
<button type="submit">Đăng nhập</button></form>`);
}

async function main() {
  const clientId = env.VNEID_CLIENT_ID || 'tthc-local';
  const clientSecret = env.VNEID_CLIENT_SECRET || crypto.randomBytes(24).toString('base64url');
  let provider = null;
  let issuer = '';

  // The twin's own controls, then the fault modes, then the provider (and our login pages).
  async function handle(req, res) {
    const url = new URL(req.url, 'http://twin');
    if (url.pathname === '/__twin/mode') {
      if (req.method === 'POST') {
        let next = {};
        try {
          next = JSON.parse(await readBody(req));
        } catch {
          next = {};
        }
        if (!MODES.has(next.mode)) {
          res.writeHead(400, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ error: 'mode must be one of ok, down, slow, bad_signature' }));
          return;
        }
        fault.mode = next.mode;
        if (Number.isFinite(next.delay_ms)) fault.delayMs = Math.max(0, Math.min(60000, next.delay_ms));
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ mode: fault.mode, delay_ms: fault.delayMs }));
      return;
    }
    if (fault.mode === 'down') {
      res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': '60' });
      res.end('VNeID tạm thời gián đoạn (twin: down)');
      return;
    }
    if (fault.mode === 'slow') await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault.mode === 'bad_signature' && url.pathname === '/token') tamperIdToken(res);

    const m = url.pathname.match(/^\/interaction\/([\w-]+)(\/login)?$/);
    if (m) {
      try {
        await interaction(req, res, m[1], Boolean(m[2]));
      } catch (err) {
        page(res, 400, 'Lỗi', `<h1>Phiên đăng nhập không hợp lệ</h1><p>${esc(err.message || err)}</p>`);
      }
      return;
    }
    provider.callback()(req, res);
  }

  async function interaction(req, res, uid, isLoginPost) {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) throw new Error('interaction mismatch');
    const { prompt, params, session } = details;
    const client = await provider.Client.find(params.client_id);
    const clientName = client?.clientName || '';
    if (prompt.name === 'login') {
      if (!isLoginPost || req.method !== 'POST') return loginPage(res, uid, { client: clientName });
      const form = await readForm(req);
      const login = (form.get('login') || '').trim();
      const account = byId.get(login);
      const ok = account && crypto.timingSafeEqual(
        crypto.createHash('sha256').update(form.get('password') || '').digest(),
        crypto.createHash('sha256').update(account.password).digest(),
      );
      if (!ok) return loginPage(res, uid, { error: 'Số định danh hoặc mật khẩu không đúng.', login, client: clientName });
      return provider.interactionFinished(req, res, {
        login: { accountId: account.sub, acr: account.acr, amr: ['pwd'] },
      }, { mergeWithLastSubmission: false });
    }
    if (prompt.name === 'consent') {
      // First-party public service: the citizen's consent to share the claims is given by signing
      // in (VNeID shows its own consent screen; the twin grants what was asked for).
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
      const missing = prompt.details;
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      const grantId = await grant.save();
      const result = details.grantId ? {} : { consent: { grantId } };
      return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: true });
    }
    throw new Error(`unknown prompt ${prompt.name}`);
  }

  // bad_signature: the token endpoint's answer carries an ID token whose signature is broken.
  function tamperIdToken(res) {
    const end = res.end.bind(res);
    res.end = (chunk, ...rest) => {
      try {
        const body = JSON.parse(Buffer.from(chunk).toString('utf8'));
        if (body.id_token) {
          const [h, p, s] = body.id_token.split('.');
          const flipped = (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
          body.id_token = [h, p, flipped].join('.');
          const out = Buffer.from(JSON.stringify(body));
          res.setHeader('Content-Length', out.length);
          return end(out, ...rest);
        }
      } catch {
        // not JSON: leave it
      }
      return end(chunk, ...rest);
    };
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(String(err && err.message));
    });
  });
  await new Promise((resolve) => server.listen(Number(env.VNEID_PORT || 0), host, resolve));
  const { port } = server.address();
  issuer = `http://${host}:${port}`;

  provider = new Provider(issuer, {
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      client_name: 'Cổng dịch vụ công tỉnh (thử nghiệm)',
      redirect_uris: split(env.VNEID_REDIRECT_URIS),
      post_logout_redirect_uris: split(env.VNEID_POST_LOGOUT_URIS),
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
    }],
    pkce: { required: () => true },
    acrValues: ACR_VALUES,
    scopes: ['openid', 'profile', 'vneid'],
    claims: {
      openid: ['sub'],
      acr: null,
      profile: ['name', 'birthdate', 'gender'],
      vneid: ['so_dinh_danh', 'loai_tai_khoan', 'nguoi_dai_dien'],
    },
    conformIdTokenClaims: false, // the identity claims ride in the ID token, as VNeID's do
    findAccount: async (_ctx, id) => {
      const a = bySub.get(id);
      if (!a) return undefined;
      if (a.kind === 'organisation') {
        // An organisation's account: its number and name, and the legal representative who
        // signed in for it; no birth date or gender.
        return {
          accountId: id,
          claims: async () => ({
            sub: a.sub, name: a.name, so_dinh_danh: a.so_dinh_danh, loai_tai_khoan: 'to_chuc',
            nguoi_dai_dien: { so_dinh_danh: a.representative.so_dinh_danh, name: a.representative.name },
          }),
        };
      }
      return {
        accountId: id,
        claims: async () => ({ sub: a.sub, name: a.name, birthdate: a.birthdate, gender: a.gender, so_dinh_danh: a.so_dinh_danh, loai_tai_khoan: 'ca_nhan' }),
      };
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        // VNeID signs the citizen out without a second question when the client asks to.
        logoutSource: async (ctx, form) => {
          ctx.body = `<!DOCTYPE html><html lang="vi"><meta charset="utf-8"><title>Đăng xuất VNeID</title>
<p>Đang đăng xuất khỏi VNeID…</p>${form}<script>const f = document.getElementById('op.logoutForm');
const i = document.createElement('input'); i.type = 'hidden'; i.name = 'logout'; i.value = 'yes';
f.appendChild(i); f.submit();</script></html>`;
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.body = '<!DOCTYPE html><html lang="vi"><meta charset="utf-8"><title>VNeID</title><p>Bạn đã đăng xuất khỏi VNeID.</p></html>';
        },
      },
    },
    jwks: { keys: [signingKey()] },
    cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
    ttl: { AuthorizationCode: 60, IdToken: 600, AccessToken: 600, Interaction: 900, Session: 3600, Grant: 3600 },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = `<!DOCTYPE html><html lang="vi"><meta charset="utf-8"><title>Lỗi VNeID</title><h1>Có lỗi khi đăng nhập VNeID</h1><pre>${esc(out.error)}: ${esc(out.error_description || '')}</pre></html>`;
    },
  });
  provider.on('server_error', (_ctx, err) => console.error('server_error', err));
  console.log(`VNEID_TWIN_READY ${issuer}`);
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
