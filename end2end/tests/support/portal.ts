import { devices, expect, request, type Browser, type Page } from '@playwright/test';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import holders from '../../fixtures/holders.json';

export { holders };
export const TEST_CAPTCHA = 'E2E42';

/** The newest step-up code in the e2e server's development outbox for `to`. */
export function latestCodeFor(to: string): string | null {
  const dir = path.join(__dirname, '../../.tmp/server/outbox');
  const files = readdirSync(dir).filter((f) => f.endsWith('.eml')).sort();
  for (const f of files.reverse()) {
    const text = readFileSync(path.join(dir, f), 'utf8');
    if (!text.includes(`To: ${to}`)) continue;
    const m = text.match(/驗證碼：(\d{6})/);
    if (m) return m[1];
  }
  return null;
}

/** One SMS the fake gateway (support/fake-sms.mjs) took. */
export type Sms = { dstaddr: string; smbody: string; clientid: string; charset: string | null };

/** The SMS the fake gateway took for `mobile`, oldest first. */
export async function smsTo(mobile: string): Promise<Sms[]> {
  const port = Number(process.env.E2E_PORT ?? 3210) + 2;
  const res = await fetch(`http://127.0.0.1:${port}/received`);
  const all = (await res.json()) as Sms[];
  return all.filter((m) => m.dstaddr === mobile);
}

/** The newest code sent to `contact`: a mobile's from the fake SMS gateway, an
 * e-mail address's from the outbox files; waits for the outbox worker to send it. */
export async function codeSentTo(contact: string): Promise<string> {
  const find = async () => {
    if (/^09\d{8}$/.test(contact)) {
      const sms = await smsTo(contact);
      return sms.length ? codeIn(sms[sms.length - 1].smbody) : null;
    }
    return latestCodeFor(contact);
  };
  await expect.poll(find, { timeout: 15_000 }).toMatch(/^\d{6}$/);
  return (await find())!;
}

/** The 6-digit code of a message text (`驗證碼：123456`). */
export function codeIn(text: string): string | null {
  // Else the first six-digit number that is not part of a masked card number: the
  // message may be in the parent's language first (Mã xác minh, Kode verifikasi…).
  return text.match(/驗證碼：(\d{6})/)?.[1] ?? text.match(/(?<![\d*])(\d{6})(?![\d*])/)?.[1] ?? null;
}

/** Every message in the e2e server's development outbox to `to`, oldest first. */
export function messagesTo(to: string): string[] {
  const dir = path.join(__dirname, '../../.tmp/server/outbox');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.eml'))
    .sort()
    .map((f) => readFileSync(path.join(dir, f), 'utf8'))
    .filter((text) => text.includes(`To: ${to}`));
}

/** The temporary password of a staff-made parent account, from the outbox. */
export function temporaryPasswordFor(to: string): string | null {
  const dir = path.join(__dirname, '../../.tmp/server/outbox');
  const files = readdirSync(dir).filter((f) => f.endsWith('.eml')).sort();
  for (const f of files.reverse()) {
    const text = readFileSync(path.join(dir, f), 'utf8');
    if (!text.includes(`To: ${to}`)) continue;
    const m = text.match(/臨時密碼：(\S+)/);
    if (m) return m[1];
  }
  return null;
}

/** Verifies a holder in the stop wizard and lands on its card list. */
export async function verifyForStop(page: Page, holder: { id: string; birth: string }) {
  await startWizard(page, '停卡掛失');
  await fillIdentity(page, holder.id, holder.birth);
  await page.getByRole('button', { name: '送出驗證資料' }).click();
  await expect(page.getByRole('heading', { name: '選擇要停用的卡片' })).toBeVisible();
}

/** Opens a wizard from the home page and agrees to the consent notice. */
export async function startWizard(page: Page, entry: '停卡掛失' | '線上申辦' | '卡片查詢') {
  await page.goto('/');
  await page.getByRole('link', { name: entry }).click();
  await expect(page.getByRole('heading', { name: '授權同意書' })).toBeVisible();
  await page.getByRole('button', { name: '已詳閱並同意' }).click();
  await expect(page.getByRole('heading', { name: '個人基本資料驗證' })).toBeVisible();
  await expect(page.getByRole('img', { name: '驗證碼圖片' })).toBeVisible();
}

/** Fills step 2 with a national ID, birth date and the test captcha. */
export async function fillIdentity(page: Page, id: string, birth: string, captcha = TEST_CAPTCHA) {
  await page.getByRole('textbox', { name: '身分證號' }).fill(id);
  await page.getByLabel('出生年月日').fill(birth);
  await page.getByRole('textbox', { name: '驗證碼' }).fill(captcha);
}

/** Waits for a fresh captcha after a failed attempt (the old one is used up). */
export async function waitForNewCaptcha(page: Page, previousSrc: string | null) {
  await expect
    .poll(async () => page.getByRole('img', { name: '驗證碼圖片' }).getAttribute('src'))
    .not.toBe(previousSrc);
}

const root = path.resolve(__dirname, '../../..');
const serverBin = process.env.PORTAL_SERVER_BIN ?? path.join(root, 'target/debug/server');

/** A second, private server instance (own database) that a test may stop and start. */
export class OwnServer {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'portal-own-'));
  child: ChildProcess | null = null;
  constructor(readonly port: number) {}

  get env() {
    return {
      ...process.env,
      PORTAL_DATA_DIR: this.dir,
      DATABASE_URL: `sqlite://${this.dir}/portal.db`,
      PORTAL_SECRET_KEY: 'end-to-end-tests-secret-key-0123456789abcdef',
      PORTAL_DEMO: '0',
      PORTAL_TEST_CAPTCHA: TEST_CAPTCHA,
      PORTAL_VERIFY_PER_IP_PER_MIN: '1000',
      PORTAL_SITE_DIR: path.join(root, 'dist'),
      PORTAL_ADDR: `127.0.0.1:${this.port}`,
    };
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  importRoster() {
    const r = spawnSync(serverBin, ['import-roster', path.join(root, 'end2end/fixtures/roster.csv')], {
      env: this.env,
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
  }

  async start() {
    this.child = spawn(serverBin, ['serve'], { env: this.env, stdio: 'ignore' });
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      try {
        const res = await fetch(`${this.url}/api/v1/health`);
        if (res.ok) return;
      } catch {
        // not up yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error('server did not start');
  }

  async stop() {
    const child = this.child;
    if (!child) return;
    this.child = null;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}

/** Runs a `server` command against the e2e server's own database (the CLI of SPEC §9). */
export function runServerCli(args: string[]) {
  const dir = path.join(__dirname, '../../.tmp/server');
  return spawnSync(serverBin, args, {
    env: {
      ...process.env,
      PORTAL_DATA_DIR: dir,
      DATABASE_URL: `sqlite://${dir}/portal.db`,
      PORTAL_SECRET_KEY: 'end-to-end-tests-secret-key-0123456789abcdef',
    },
    encoding: 'utf8',
  });
}

/**
 * Makes a photo in the page's own canvas, like one from a phone's camera roll: a
 * gradient, a face-like disc and sensor noise (so a 4000×3000 JPEG is several MB).
 */
export async function makePhoto(
  page: Page,
  width: number,
  height: number,
  type: 'image/jpeg' | 'image/png' = 'image/jpeg',
): Promise<Buffer> {
  const b64 = await page.evaluate(
    async ({ width, height, type }) => {
      const c = document.createElement('canvas');
      c.width = width;
      c.height = height;
      const g = c.getContext('2d')!;
      const grd = g.createLinearGradient(0, 0, width, height);
      grd.addColorStop(0, '#c8a27a');
      grd.addColorStop(1, '#2f5d8a');
      g.fillStyle = grd;
      g.fillRect(0, 0, width, height);
      g.fillStyle = '#f2d3bd';
      g.beginPath();
      g.arc(width / 2, height / 2.3, Math.min(width, height) / 4, 0, Math.PI * 2);
      g.fill();
      const img = g.getImageData(0, 0, width, height);
      for (let i = 0; i < img.data.length; i += 4) {
        const n = (Math.random() * 70) | 0;
        img.data[i] += n;
        img.data[i + 1] += n;
        img.data[i + 2] += n;
      }
      g.putImageData(img, 0, 0);
      const blob: Blob = await new Promise((r) => c.toBlob((b) => r(b!), type, 0.95));
      const buf = new Uint8Array(await blob.arrayBuffer());
      let s = '';
      for (let i = 0; i < buf.length; i += 0x8000) {
        s += String.fromCharCode(...buf.subarray(i, i + 0x8000));
      }
      return btoa(s);
    },
    { width, height, type },
  );
  return Buffer.from(b64, 'base64');
}

export type Holder = { id: string; birth: string; name: string };

/** Consent and verification in the apply wizard, landing on step 3. */
export async function verifyForApply(page: Page, holder: Holder) {
  await startWizard(page, '線上申辦');
  await fillIdentity(page, holder.id, holder.birth);
  await page.getByRole('button', { name: '送出驗證資料' }).click();
  await expect(page.getByRole('heading', { name: '申請人資料' })).toBeVisible();
}

export async function fillApplicant(page: Page) {
  await page.getByRole('textbox', { name: '手機號碼' }).fill('0912-000-111');
  await page.getByRole('textbox', { name: '戶籍地址' }).fill('基隆市仁愛區愛一路1號');
  await page.getByRole('button', { name: '下一步' }).click();
  await expect(page.getByRole('heading', { name: '上傳大頭照' })).toBeVisible();
}

export async function choosePhoto(page: Page, buffer: Buffer, name = 'IMG_2041.jpg', mimeType = 'image/jpeg') {
  await page.locator('#photo-file').setInputFiles({ name, mimeType, buffer });
}

export async function uploadPhoto(page: Page, photo: Buffer) {
  await choosePhoto(page, photo);
  const frame = page.getByRole('img', { name: '裁切框：卡片上的照片範圍' });
  await expect(frame).toBeVisible();
  await page.getByRole('button', { name: '使用這張照片並繼續' }).click();
  await expect(page.getByRole('heading', { name: '卡片領卡資訊' })).toBeVisible();
}

export async function deliverToSchoolAndConfirm(page: Page) {
  await page.getByRole('radio', { name: /寄至學校/ }).check();
  await page.getByRole('textbox', { name: '收件人電話' }).fill('02-2422-1234');
  await page.getByRole('button', { name: '下一步' }).click();
  await expect(page.getByRole('heading', { name: '確認申請資料' })).toBeVisible();
}


/** The query wizard's application cards for `holder`. */
export async function applicationsOf(page: Page, holder: Holder) {
  await startWizard(page, '卡片查詢');
  await fillIdentity(page, holder.id, holder.birth);
  await page.getByRole('button', { name: '送出驗證資料' }).click();
  await expect(page.getByRole('heading', { name: '卡片查詢結果' })).toBeVisible();
  return page.locator('.application');
}

/** Registers a parent account with a code from the outbox and lands on «家長專區». */
export async function registerParent(page: Page, contact: string, displayName: string) {
  await page.goto('/parent/register');
  await page.getByRole('textbox', { name: '電子郵件或手機號碼' }).fill(contact);
  await page.getByRole('button', { name: '取得驗證碼' }).click();
  await expect(page.getByText(/驗證碼已送到/)).toBeVisible();
  await page.getByRole('textbox', { name: '驗證碼（6 位數字）' }).fill(await codeSentTo(contact));
  await page.getByRole('textbox', { name: '您的稱呼' }).fill(displayName);
  await page.getByLabel('新密碼').fill('a long family password');
  await page.getByRole('button', { name: '完成註冊' }).click();
  await expect(page.getByRole('heading', { name: '家長專區' })).toBeVisible();
}

/** Asks to bind one child of school E2E001; the request waits for the teacher. */
export async function requestBinding(
  page: Page,
  child: { name: string; student_no: string; birth: string; id: string },
  relationship: '父親' | '母親',
) {
  await page.getByRole('link', { name: '親子綁定' }).click();
  const group = page.getByRole('group', { name: '子女 1' });
  await group.getByLabel('行政區').selectOption('中正區');
  await group.getByLabel('級別').selectOption('primary');
  await group.getByLabel('學校', { exact: true }).selectOption('E2E001');
  await group.getByRole('textbox', { name: '子女姓名' }).fill(child.name);
  await group.getByRole('textbox', { name: '學號' }).fill(child.student_no);
  await group.getByLabel('出生年月日').fill(child.birth);
  await group.getByRole('textbox', { name: '身分證號' }).fill(child.id);
  await group.getByRole('radio', { name: new RegExp(`^${relationship}$`) }).check();
  await page.getByRole('button', { name: '送出綁定申請' }).click();
  await expect(page.getByRole('region', { name: '申請結果' }).getByText('審核中')).toBeVisible();
}

/** The homeroom teacher of class 504, logged in on a desktop of their own. */
export async function teacherOf504(browser: Browser, baseURL: string | undefined) {
  const desk = await browser.newContext({ ...devices['Desktop Chrome'], viewport: { width: 1280, height: 860 }, baseURL });
  const teacher = await desk.newPage();
  await teacher.goto('/school');
  await teacher.getByLabel('行政區').selectOption('中正區');
  await teacher.getByLabel('級別').selectOption('primary');
  await teacher.getByLabel('學校', { exact: true }).selectOption('E2E001');
  await teacher.getByRole('textbox', { name: '帳號' }).fill('e2e.t504');
  await teacher.getByLabel('密碼').fill('e2e-teacher-password');
  await teacher.getByRole('button', { name: '登入' }).click();
  await expect(teacher.getByRole('heading', { name: '申請與停卡' })).toBeVisible();
  return { desk, teacher };
}

/** Writes `text` to a new temporary file called `name` (for the CLI's imports); its path. */
export function tempFile(name: string, text: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'e2e-')), name);
  writeFileSync(file, text);
  return file;
}

/** The issuer's operator approves the application `serial`, over the back office's
 * server functions (as the page calls them). */
export async function approveAsOperator(baseURL: string, serial: string) {
  const staff = await request.newContext({ baseURL, extraHTTPHeaders: { Origin: baseURL } });
  const login = await staff.post('/api/school/login', {
    data: { input: { school_code: '', username: 'e2e.operator', password: 'e2e-operator-password' } },
  });
  expect(login.status()).toBe(200);
  const queue = await (await staff.post('/api/school/queue', { data: { filter: { kind: 'all', review: 'pending', page: 1 } } })).json();
  const ref = queue.rows.find((r: { serial_no: string }) => r.serial_no === serial).item_ref as string;
  const review = await staff.post('/api/school/review', { data: { input: { item_refs: [ref], approve: true, reason: '' } } });
  expect(review.status()).toBe(200);
  await staff.dispose();
}
