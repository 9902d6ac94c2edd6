import { test, expect } from './support/test';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { checkPage } from './support/pages';
import {
  choosePhoto,
  deliverToSchoolAndConfirm,
  fillApplicant,
  fillIdentity,
  holders,
  makePhoto,
  runServerCli,
  startWizard,
  uploadPhoto,
  verifyForApply,
  verifyForStop,
  applicationsOf,
} from './support/portal';

test.describe('replacement application on a phone', () => {
  test('lost card → stop → apply with a camera photo → slip → payment file → paid', async ({ page }, info) => {
    test.setTimeout(120_000);
    const holder = holders.apply_flow;
    // The card is lost: stop it first.
    await verifyForStop(page, holder);
    await page.getByRole('button', { name: '停卡', exact: true }).click();
    await page.getByRole('button', { name: '繼續' }).click();
    await page.getByRole('button', { name: '送出停卡申請' }).click();
    await expect(page.getByRole('heading', { name: '停卡申請已完成' })).toBeVisible();
    await page.getByRole('link', { name: '線上申辦' }).click();
    await expect(page.getByRole('heading', { name: '授權同意書' })).toBeVisible();
    await page.getByRole('button', { name: '已詳閱並同意' }).click();
    await fillIdentity(page, holder.id, holder.birth);
    await page.getByRole('button', { name: '送出驗證資料' }).click();

    // Step 3: roster data read-only, reason defaults to the loss, contacts checked.
    await expect(page.getByRole('heading', { name: '申請人資料' })).toBeVisible();
    await expect(page.getByText('步驟 3 / 7')).toBeVisible();
    await expect(page.getByText(holder.name, { exact: true })).toBeVisible();
    await expect(page.getByRole('radio', { name: /基隆市樂學卡\(小學\)/ })).toBeChecked();
    await expect(page.getByRole('radio', { name: '遺失（已停卡掛失）' })).toBeChecked();
    const mobile = page.getByRole('textbox', { name: '手機號碼' });
    await mobile.fill('0812');
    await page.getByRole('button', { name: '下一步' }).click();
    await expect(mobile).toHaveAttribute('aria-invalid', 'true');
    await expect(mobile).toHaveAccessibleDescription(/格式不正確/);
    await expect(page.getByRole('textbox', { name: '戶籍地址' })).toHaveAccessibleDescription(/請填寫此欄位/);
    // The summary lists the errors in page order (mobile above address), not by name.
    const summaryLinks = page.getByRole('alert').filter({ hasText: '請修正以下問題' }).getByRole('link');
    await expect(summaryLinks).toHaveCount(2);
    await expect(summaryLinks.nth(0)).toHaveText(/手機號碼/);
    await expect(summaryLinks.nth(1)).toHaveText(/戶籍地址/);
    // Required fields were marked before the submit: the word after the label, the
    // attribute on the input; optional ones (e-mail) have neither.
    await expect(mobile).toHaveAttribute('required', '');
    await expect(page.getByRole('textbox', { name: '電子郵件' })).not.toHaveAttribute('required', '');
    const mark = (id: string) =>
      page.locator(`label[for="${id}"]`).evaluate((el) => getComputedStyle(el, '::after').content);
    expect(await mark('mobile')).toContain('必填');
    expect(await mark('email')).not.toContain('必填');
    await checkPage(page, 'apply-applicant-errors');
    await fillApplicant(page);

    // Step 4: a 4000×3000 camera photo of several MB, cropped in the page.
    const photo = await makePhoto(page, 4000, 3000);
    expect(photo.length).toBeGreaterThan(3_000_000);
    await choosePhoto(page, photo);
    const frame = page.getByRole('img', { name: '裁切框：卡片上的照片範圍' });
    await expect(frame).toBeVisible();
    const box = (await frame.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 40, box.y + box.height / 2 + 10, { steps: 5 });
    await page.mouse.up();
    await page.getByRole('slider', { name: '縮放' }).fill('1.5');
    const preview = page.getByRole('figure', { name: /卡片預覽/ });
    await expect(preview).toContainText(holder.name);
    await expect(preview).toContainText('測試市立e2e國小');
    await expect(preview).toContainText('基隆市樂學卡(小學)');
    await checkPage(page, 'apply-photo-crop');
    await page.getByRole('button', { name: '使用這張照片並繼續' }).click();

    // Step 5: delivery by registered mail.
    await expect(page.getByRole('heading', { name: '卡片領卡資訊' })).toBeVisible();
    await expect(page.getByRole('textbox', { name: '收件人姓名' })).toHaveValue(holder.name);
    await page.getByRole('button', { name: '與申請人聯絡資料相同' }).click();
    await expect(page.getByRole('textbox', { name: '收件地址' })).toHaveValue('基隆市仁愛區愛一路1號');
    await checkPage(page, 'apply-delivery');
    await page.getByRole('button', { name: '下一步' }).click();

    // Step 6: the check page with the warning and the printed photo.
    await expect(page.getByRole('heading', { name: '確認申請資料' })).toBeVisible();
    await expect(page.getByText('請務必確認資料正確，送出申請後無法再修改或取消')).toBeVisible();
    const printed = page.getByRole('img', { name: '申請人大頭照' });
    await expect(printed).toBeVisible();
    expect(await printed.evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight])).toEqual([230, 288]);
    await expect(page.getByText('100 元')).toBeVisible();
    await checkPage(page, 'apply-confirm');
    await page.getByRole('button', { name: '確認資料無誤送出申請' }).click();

    // Step 7: «卡片送交印卡中心».
    await expect(page.getByRole('heading', { name: '卡片送交印卡中心' })).toBeVisible();
    await expect(page.getByText('100 元')).toBeVisible();
    await expect(page.getByText('基隆市仁愛區愛一路1號')).toBeVisible();
    const due = new Date(Date.now() + 8 * 3600_000 + 7 * 86400_000).toISOString().slice(0, 10);
    await expect(page.getByText(due)).toBeVisible();
    await checkPage(page, 'apply-done');
    await page.getByRole('link', { name: '下載繳費單' }).click();

    // The slip: two stubs, three Code 39 barcodes with their lines, ATM account, QR.
    await expect(page.getByRole('heading', { name: '繳費單' })).toBeVisible();
    await expect(page.getByRole('heading', { name: '第一聯：本聯由收款單位留存' })).toBeVisible();
    await expect(page.getByRole('heading', { name: '第二聯：客戶收執聯' })).toBeVisible();
    const barcodes = page.getByRole('img', { name: /^第 \d 段條碼/ });
    await expect(barcodes).toHaveCount(3);
    const lines = await page.locator('.barcode figcaption').allTextContents();
    expect(lines[0]).toMatch(/^\d{6}[0-9A-Z]{3}$/);
    expect(lines[1]).toMatch(/^[0-9A-Z]{16}$/);
    expect(lines[2]).toMatch(/^\d{4}[0-9AB][0-9XY]000000100$/);
    await expect(page.getByRole('img', { name: '行動銀行掃碼繳費' })).toBeVisible();
    await expect(page.getByText(/^\d{14}$/)).toBeVisible();
    await checkPage(page, 'payment-slip');

    // «出示條碼»: one barcode at a time across the phone, the payment number large,
    // Escape back to the slip with the focus on the button.
    await page.getByRole('button', { name: '出示條碼' }).click();
    const viewer = page.getByRole('dialog', { name: '出示條碼' });
    await expect(viewer).toBeVisible();
    await expect(viewer.getByRole('heading', { name: '出示條碼' })).toBeFocused();
    await expect(viewer.getByText('請把螢幕亮度調到最亮')).toBeVisible();
    await expect(viewer.getByText(lines[1], { exact: true }).first()).toBeVisible();
    const shown = viewer.getByRole('img', { name: /^第 1 段條碼（共 3 段）/ });
    await expect(shown).toBeVisible();
    await expect(shown).toHaveAccessibleName(`第 1 段條碼（共 3 段） ${lines[0]}`);
    // Full width: the bars are as wide as the phone allows (quiet zones included).
    const bars = (await shown.locator('svg').boundingBox())!;
    expect(bars.width).toBeGreaterThanOrEqual(355);
    expect(bars.height).toBeGreaterThanOrEqual(96);
    await expect(viewer.getByRole('button', { name: '上一段' })).toBeDisabled();
    await viewer.getByRole('button', { name: '下一段' }).click();
    await expect(viewer.getByRole('img', { name: `第 2 段條碼（共 3 段） ${lines[1]}` })).toBeVisible();
    await page.keyboard.press('ArrowRight');
    await expect(viewer.getByRole('img', { name: `第 3 段條碼（共 3 段） ${lines[2]}` })).toBeVisible();
    await expect(viewer.getByRole('button', { name: '下一段' })).toBeDisabled();
    await page.screenshot({ path: info.outputPath('payment-barcode-view.png') });
    await checkPage(page, 'payment-barcode-view');
    await page.keyboard.press('Escape');
    await expect(viewer).toBeHidden();
    await expect(page.getByRole('button', { name: '出示條碼' })).toBeFocused();
    await expect(page.getByRole('heading', { name: '第一聯：本聯由收款單位留存' })).toBeVisible();

    await page.emulateMedia({ media: 'print' });
    await page.setViewportSize({ width: 794, height: 1123 });
    await expect(page.getByRole('button', { name: '列印繳費單' })).toBeHidden();
    await page.screenshot({ path: info.outputPath('payment-slip-print.png'), fullPage: true });
    await page.emulateMedia({ media: 'screen' });
    await page.setViewportSize({ width: 360, height: 780 });

    // The issuer's payment file arrives.
    const paymentNo = lines[1];
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'payments-')), 'payments.csv');
    const paidOn = new Date().toISOString().slice(0, 10);
    writeFileSync(file, `payment_no,amount,paid_on,channel\n${paymentNo},100,${paidOn},7-11\n`);
    const first = runServerCli(['import-payments', file]);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain('1 matched');
    const again = runServerCli(['import-payments', file]);
    expect(again.stdout).toContain('0 matched, 1 already recorded');

    // The query shows it paid, with its timeline.
    const apps = await applicationsOf(page, holder);
    await expect(apps).toHaveCount(1);
    await expect(apps.first().getByText('已繳費').first()).toBeVisible();
    await expect(apps.first().getByRole('link', { name: '下載繳費單' })).toHaveCount(0);
    await expect(apps.first().getByRole('list', { name: '申請進度' })).toContainText('等待印卡回應');
    await checkPage(page, 'query-with-application');
  });

  test('a double click makes exactly one application', async ({ page }) => {
    const holder = holders.apply_double;
    await verifyForApply(page, holder);
    await fillApplicant(page);
    await uploadPhoto(page, await makePhoto(page, 900, 1200, 'image/png'));
    await deliverToSchoolAndConfirm(page);
    await page.getByRole('button', { name: '確認資料無誤送出申請' }).dblclick();
    await expect(page.getByRole('heading', { name: '卡片送交印卡中心' })).toBeVisible();
    await expect(page.getByText('測試市立e2e國小').first()).toBeVisible();
    const apps = await applicationsOf(page, holder);
    await expect(apps).toHaveCount(1);
    await expect(apps.first().getByText('待繳費').first()).toBeVisible();
    await expect(apps.first().getByRole('link', { name: '下載繳費單' })).toBeVisible();
    // A second application is refused while this one is open.
    await startWizard(page, '線上申辦');
    await fillIdentity(page, holder.id, holder.birth);
    await page.getByRole('button', { name: '送出驗證資料' }).click();
    await expect(page.getByText(/已有處理中的申請/)).toBeVisible();
  });

  test('bad photos get clear messages, and the draft survives a reload', async ({ page }) => {
    const holder = holders.apply_reload;
    await verifyForApply(page, holder);
    await fillApplicant(page);
    const input = page.locator('#photo-file');
    await choosePhoto(page, Buffer.from('GIF89a\x01\x00\x01\x00'), 'anim.gif', 'image/gif');
    await expect(input).toHaveAccessibleDescription(/只接受 JPEG 或 PNG/);
    await choosePhoto(page, Buffer.from('<!doctype html><script>alert(1)</script>'), 'photo.jpg');
    await expect(input).toHaveAccessibleDescription(/無法讀取這張照片/);
    await choosePhoto(page, await makePhoto(page, 120, 160), 'small.jpg');
    await expect(input).toHaveAccessibleDescription(/照片太小/);
    await uploadPhoto(page, await makePhoto(page, 1200, 1600));
    await page.reload();
    await expect(page.getByRole('heading', { name: '卡片領卡資訊' })).toBeVisible();
    // What is typed on a step survives a reload before «下一步» is pressed: it is
    // kept on the server half a second after the last key.
    const recipient = page.getByRole('textbox', { name: '收件人姓名' });
    const kept = page.waitForResponse((r) => r.url().includes('/api/apply/draft/keep') && r.ok());
    await recipient.fill('簡爸爸');
    await kept;
    await page.reload();
    await expect(page.getByRole('textbox', { name: '收件人姓名' })).toHaveValue('簡爸爸');
    await page.goto('/card/apply/applicant');
    await expect(page.getByRole('textbox', { name: '手機號碼' })).toHaveValue('0912-000-111');
    await page.goto('/card/apply/photo');
    await expect(page.getByRole('img', { name: '申請人大頭照' })).toBeVisible();
  });

  test('a holder whose card is still active is sent to stop it first', async ({ page }) => {
    await startWizard(page, '線上申辦');
    await fillIdentity(page, holders.apply_block.id, holders.apply_block.birth);
    await page.getByRole('button', { name: '送出驗證資料' }).click();
    await expect(page.getByText(/仍有使用中的卡片/)).toBeVisible();
    await expect(page.getByRole('link', { name: '停卡掛失' }).last()).toBeVisible();
  });
});
