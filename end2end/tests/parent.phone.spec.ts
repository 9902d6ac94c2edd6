import { test, expect } from './support/test';
import { devices, type Page } from '@playwright/test';
import { holders, latestCodeFor } from './support/portal';
import { checkPage } from './support/pages';

type Child = { id: string; birth: string; name: string; student_no: string };

async function fillChild(page: Page, n: number, child: Child, relationship: RegExp) {
  const group = page.getByRole('group', { name: `子女 ${n}` });
  // District → level → school (SPEC §2), each select narrowing the next.
  await group.getByLabel('行政區').selectOption('中正區');
  await group.getByLabel('級別').selectOption('primary');
  await group.getByLabel('學校', { exact: true }).selectOption('E2E001');
  await group.getByRole('textbox', { name: '子女姓名' }).fill(child.name);
  await group.getByRole('textbox', { name: '學號' }).fill(child.student_no);
  await group.getByLabel('出生年月日').fill(child.birth);
  await group.getByRole('textbox', { name: '身分證號' }).fill(child.id);
  await group.getByRole('radio', { name: relationship }).check();
}

test('a parent registers with a code, binds two children, and sees the approved one', async ({ page, browser, baseURL }) => {
  test.setTimeout(120_000);
  const email = `mom.${Date.now()}@example.com`;
  // Registration with the code from the (development) outbox.
  await page.goto('/parent');
  await expect(page.getByRole('heading', { name: '家長專區登入' })).toBeVisible();
  await page.getByRole('link', { name: /註冊家長帳號/ }).click();
  await page.getByRole('textbox', { name: '電子郵件或手機號碼' }).fill(email);
  await page.getByRole('button', { name: '取得驗證碼' }).click();
  await expect(page.getByText(/驗證碼已送到/)).toBeVisible();
  const code = latestCodeFor(email);
  expect(code).toMatch(/^\d{6}$/);
  await page.getByRole('textbox', { name: '驗證碼（6 位數字）' }).fill(code!);
  await page.getByRole('textbox', { name: '您的稱呼' }).fill('何媽媽');
  await page.getByLabel('新密碼').fill('a long family password');
  await page.getByRole('button', { name: '完成註冊' }).click();
  await expect(page.getByRole('heading', { name: '家長專區' })).toBeVisible();
  await expect(page.getByText('何媽媽，您好。')).toBeVisible();

  // Two siblings in one binding request.
  await page.getByRole('link', { name: '親子綁定' }).click();
  // Required fields are marked before anything is submitted.
  const first = page.getByRole('group', { name: '子女 1' });
  await expect(first.getByRole('textbox', { name: '子女姓名' })).toHaveAttribute('required', '');
  const mark = await page.locator('label[for="child0-name"]').evaluate((el) => getComputedStyle(el, '::after').content);
  expect(mark).toContain('必填');
  await fillChild(page, 1, holders.bind_a, /^母親$/);
  await page.getByRole('button', { name: '再加一位子女' }).click();
  // Adding a child redraws the forms: the first keeps its district, level and school.
  await expect(first.getByLabel('行政區')).toHaveValue('中正區');
  await expect(first.getByLabel('學校', { exact: true })).toHaveValue('E2E001');
  await fillChild(page, 2, holders.bind_b, /^母親$/);
  await checkPage(page, 'parent-bind');
  await page.getByRole('button', { name: '送出綁定申請' }).click();
  const result = page.getByRole('region', { name: '申請結果' });
  await expect(result.getByText('審核中')).toHaveCount(2);

  // The homeroom teacher approves one and returns the other with a reason.
  const desk = await browser.newContext({ ...devices['Desktop Chrome'], viewport: { width: 1280, height: 860 }, baseURL });
  const teacher = await desk.newPage();
  await teacher.goto('/school');
  await teacher.getByLabel('行政區').selectOption('中正區');
  await teacher.getByLabel('級別').selectOption('primary');
  await teacher.getByLabel('學校', { exact: true }).selectOption('E2E001');
  await teacher.getByRole('textbox', { name: '帳號' }).fill('e2e.t504');
  await teacher.getByLabel('密碼').fill('e2e-teacher-password');
  await teacher.getByRole('button', { name: '登入' }).click();
  await teacher.getByRole('link', { name: '親子綁定審核' }).click();
  await expect(teacher.getByRole('heading', { name: '親子綁定審核' })).toBeVisible();
  const rowA = teacher.getByRole('row').filter({ hasText: holders.bind_a.name });
  const rowB = teacher.getByRole('row').filter({ hasText: holders.bind_b.name });
  await expect(rowA).toContainText('何媽媽');
  await rowA.getByRole('button', { name: '核可' }).click();
  await expect(teacher.getByText(`${holders.bind_a.name}：已核可`)).toBeVisible();
  await teacher.getByRole('textbox', { name: '退回／解除原因' }).fill('學號與姓名不符，請再確認');
  await rowB.getByRole('button', { name: '退回' }).click();
  await expect(teacher.getByText(`${holders.bind_b.name}：退回`)).toBeVisible();
  await desk.close();

  // The parent sees the approved child's card and the returned request's reason.
  await page.goto('/parent/home');
  const child = page.locator('.child');
  await expect(child).toHaveCount(1);
  // A bound parent reads their own child's full name (masking is for the wizards).
  await expect(child.getByRole('heading', { name: holders.bind_a.name })).toBeVisible();
  await expect(child).not.toContainText('何○穎');
  await expect(child).toContainText('開卡使用中');
  await expect(page.getByText('學號與姓名不符，請再確認')).toBeVisible();
  await checkPage(page, 'parent-home');
  await page.getByRole('combobox', { name: '語言' }).selectOption('vi');
  await expect(child.getByRole('heading', { name: holders.bind_a.name })).toBeVisible();
  await checkPage(page, 'parent-home-vi');
  await page.getByRole('combobox', { name: 'Ngôn ngữ' }).selectOption('zh-TW');
  await expect(page.getByRole('heading', { name: '家長專區' })).toBeVisible();

  // A replayed call for the child that is not bound is refused.
  const requests = await (await page.request.get('/api/parent/binding-requests')).json();
  const returned = requests.find((r: { status: string }) => r.status === 'returned');
  const replay = await page.request.get(`/api/parent/child?binding_id=${returned.id}`);
  expect(replay.status()).toBe(403);

  // «停卡掛失» for the bound child: consent, then straight to the cards, and no
  // verification code although the school has a contact for this child.
  await child.getByRole('link', { name: '停卡掛失' }).click();
  await expect(page.getByRole('heading', { name: '授權同意書' })).toBeVisible();
  await page.getByRole('button', { name: '已詳閱並同意' }).click();
  await expect(page.getByRole('heading', { name: '選擇要停用的卡片' })).toBeVisible();
  await expect(page.getByText('何○穎')).toBeVisible();
  await page.getByRole('button', { name: '停卡', exact: true }).click();
  await expect(page.getByRole('heading', { name: '停卡/退費作業' })).toBeVisible();
  await page.getByRole('button', { name: '繼續' }).click();
  await expect(page.getByRole('heading', { name: '確認停卡資料' })).toBeVisible();
  await expect(page.getByText('本次停卡不需輸入驗證碼')).toBeVisible();
  await expect(page.getByRole('textbox', { name: /驗證碼/ })).toHaveCount(0);
  await page.getByRole('button', { name: '送出停卡申請' }).click();
  await expect(page.getByRole('heading', { name: '停卡申請已完成' })).toBeVisible();
  await page.goto('/parent/home');
  await expect(child).toContainText('停用');

  // Unbinding asks first and takes effect at once.
  page.once('dialog', (d) => d.accept());
  await child.getByRole('button', { name: '解除綁定' }).click();
  await expect(page.locator('.child')).toHaveCount(0);
  await expect(page.getByText('已解除')).toBeVisible();

  // Logging out ends the session.
  await page.getByRole('button', { name: '登出' }).click();
  await expect(page.getByRole('heading', { name: '家長專區登入' })).toBeVisible();
  expect((await page.request.get('/api/parent/children')).status()).toBe(401);
});

test('«家長專區» is found from the home page and from the header of every parent-facing page', async ({ page }) => {
  await page.goto('/');
  const entries = page.getByRole('navigation', { name: '服務項目' }).getByRole('listitem');
  await expect(entries).toHaveCount(4);
  const entry = entries.nth(3);
  await expect(entry.getByRole('link', { name: '家長專區' })).toBeVisible();
  await expect(entry).toContainText('綁定子女');
  await page.screenshot({ path: test.info().outputPath('home-with-parent-entry.png'), fullPage: true });
  // The wizards' pages and the parent pages have it in the header; the back office not.
  for (const path of ['/card/stop/consent', '/card/query/consent', '/parent/register']) {
    await page.goto(path);
    await expect(page.getByRole('banner').getByRole('link', { name: '家長專區' })).toBeVisible();
  }
  await page.screenshot({ path: test.info().outputPath('header-parent-link.png') });
  await page.goto('/school');
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await expect(page.getByRole('banner').getByRole('link', { name: '家長專區' })).toHaveCount(0);
  // Not logged in, the header link leads to the parent login.
  await page.goto('/card/stop/consent');
  await page.getByRole('banner').getByRole('link', { name: '家長專區' }).click();
  await expect(page.getByRole('heading', { name: '家長專區登入' })).toBeVisible();
  // In English too.
  await page.getByRole('combobox', { name: '語言' }).selectOption('en');
  await expect(page.getByRole('banner').getByRole('link', { name: 'Parents' })).toBeVisible();
});
