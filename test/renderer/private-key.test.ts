/**
 * The private key for `private_key_jwt`, in Chromium against the real main handlers: choosing Pre-registered +
 * private_key_jwt shows the key field and refuses to save without a key (or with text that is plainly not one);
 * "Load from file…" reads a key file into the field; a pasted PKCS #8 key saves the server, main keeps it in the
 * keychain, and Edit then says a key is stored; main's complaint about a damaged key reaches the dialog; and no
 * payload the window received ever carried the key.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Harness } from './harness.ts';
import { useWindowTests } from './window-tests.ts';

const env = useWindowTests();

const missingKey = 'private_key_jwt needs the client’s private key (PEM or JWK).';
const notAKey = 'Paste the whole key, including its BEGIN and END lines, or a JWK.';

/** A fresh P-256 key as PKCS #8 PEM, and the base64 lines of its body (what would show if the key leaked, escaped or not). */
function p256Key(): { readonly pem: string; readonly bodyLines: readonly string[] } {
  const { privateKey: pem } = generateKeyPairSync('ec', { namedCurve: 'P-256', privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  return { pem, bodyLines: pem.split('\n').filter((line) => line !== '' && !line.startsWith('-----')) };
}

/** Opens Add server, fills URL and name, and picks Pre-registered + private_key_jwt with a client ID. */
async function startPrivateKeyJwtServer(page: Page, name: string): Promise<Locator> {
  await page.getByRole('button', { name: 'Add server', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Add server' });
  await dialog.getByLabel('Server URL').fill('https://mcp.example.com/keys');
  await dialog.getByLabel('Name (optional)').fill(name);
  await dialog.getByText('Advanced: authorization settings').click();
  await dialog.getByRole('radio', { name: /Pre-registered client/ }).check();
  await dialog.getByRole('textbox', { name: 'Client ID', exact: true }).fill('keyport-signed');
  await dialog.getByRole('combobox', { name: 'Token endpoint authentication' }).selectOption('private_key_jwt');
  return dialog;
}

/** Every recorded payload that holds one of `needles`, as "kind channel". */
function leaksOf(harness: Harness, needles: readonly string[]): string[] {
  return harness.received.filter((r) => needles.some((n) => r.json.includes(n))).map((r) => `${r.kind} ${r.channel}`);
}

describe('the private key for private_key_jwt', () => {
  it('shows the key field only for a client using private_key_jwt, refuses to save without a key, and loads one from a file', async () => {
    const harness = await env.open();
    const { page } = harness;
    await page.getByRole('button', { name: 'Add server', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Add server' });
    await dialog.getByLabel('Server URL').fill('https://mcp.example.com/keys');
    await dialog.getByText('Advanced: authorization settings').click();
    const keyField = dialog.getByRole('textbox', { name: 'Private key', exact: true });
    expect(await keyField.count()).toBe(0);
    await dialog.getByRole('radio', { name: /Pre-registered client/ }).check();
    await dialog.getByRole('textbox', { name: 'Client ID', exact: true }).fill('keyport-signed');
    const method = dialog.getByRole('combobox', { name: 'Token endpoint authentication' });
    await method.selectOption('client_secret_basic');
    expect(await keyField.count()).toBe(0);
    await method.selectOption('private_key_jwt');
    await expect.poll(() => keyField.count()).toBe(1);
    expect(await keyField.getAttribute('spellcheck')).toBe('false');
    expect(await keyField.getAttribute('autocomplete')).toBe('off');
    expect(await keyField.evaluate((el) => getComputedStyle(el).fontFamily)).toMatch(/mono/);
    // The hint (and, once shown, the problem) describe the field for a screen reader.
    const description = () => keyField.evaluate((el) => (el.getAttribute('aria-describedby') ?? '').split(' ').map((id) => document.getElementById(id)?.textContent).join(' '));
    expect(await description()).toContain('PEM or JWK; stored in the OS keychain');

    // Saving without a key: the field says why and nothing is added.
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    await expect.poll(() => dialog.getByRole('alert').allTextContents()).toContain(missingKey);
    expect(await keyField.getAttribute('aria-invalid')).toBe('true');
    expect(await description()).toContain(missingKey);
    expect(await dialog.count()).toBe(1);
    expect(await harness.runtime.services.servers.list()).toEqual([]);

    // Text that is plainly not a key is refused before it goes anywhere.
    await keyField.fill('hunter2');
    await expect.poll(() => dialog.getByRole('alert').allTextContents()).toContain(notAKey);
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    expect(await harness.runtime.services.servers.list()).toEqual([]);
    expect(harness.received.some((r) => r.channel === 'servers:add')).toBe(false);

    // Load from file… puts the file's text in the field, and the problem goes.
    const { pem } = p256Key();
    await dialog.getByLabel('Load from file…').setInputFiles({ name: 'client.pem', mimeType: 'application/x-pem-file', buffer: Buffer.from(pem) });
    await expect.poll(() => keyField.inputValue()).toBe(pem);
    await expect.poll(() => dialog.getByRole('alert').count()).toBe(0);
    expect(await keyField.getAttribute('aria-invalid')).toBe('false');

    // Other modes hide it (and nothing of it is sent): No authorization saves without a key.
    await dialog.getByRole('radio', { name: /No authorization/ }).check();
    expect(await keyField.count()).toBe(0);
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    await expect.poll(() => dialog.count()).toBe(0);
    const [stored] = await harness.runtime.services.servers.list();
    expect(stored?.auth.mode).toBe('none');
    expect(stored?.auth.hasPrivateKey ?? false).toBe(false);
  });

  it('saves a pasted PKCS #8 key to the keychain; Edit then says a key is stored and saves without it; the key never reaches the window', async () => {
    const harness = await env.open();
    const { page } = harness;
    const { pem, bodyLines } = p256Key();
    const dialog = await startPrivateKeyJwtServer(page, 'Signed');
    await dialog.getByRole('textbox', { name: 'Private key', exact: true }).fill(pem);
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    await expect.poll(() => page.getByRole('heading', { level: 2, name: 'Signed', exact: true }).count(), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => dialog.count()).toBe(0);

    const [view] = await harness.runtime.services.servers.list();
    expect(view?.auth).toMatchObject({ mode: 'preregistered', clientId: 'keyport-signed', tokenEndpointAuthMethod: 'private_key_jwt', hasPrivateKey: true });
    const [config] = await harness.runtime.context.core.config.load();
    const ref = config?.auth.privateKeyRef;
    expect(ref).toBeTypeOf('string');
    expect((await harness.runtime.context.core.secrets().records.getUserSecret(ref ?? ''))?.value).toBeTruthy();

    // Edit: the label says a key is stored, the field is empty, and saving keeps the key.
    await page.getByRole('button', { name: 'Edit…' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit Signed' });
    const keyField = edit.getByRole('textbox', { name: 'Private key (stored in the keychain; leave empty to keep it)', exact: true });
    await expect.poll(() => keyField.count()).toBe(1);
    expect(await keyField.inputValue()).toBe('');
    await edit.getByLabel('Scopes to request (optional; space-separated)').fill('mcp:read');
    await edit.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => edit.count()).toBe(0);
    const [after] = await harness.runtime.context.core.config.load();
    expect(after?.auth.privateKeyRef).toBe(ref);
    expect(after?.auth.scope).toBe('mcp:read');

    // Reopened, the dialog holds nothing of the key; nor did any response or event the window received.
    await page.getByRole('button', { name: 'Edit…' }).click();
    await expect.poll(() => keyField.count()).toBe(1);
    expect(await keyField.inputValue()).toBe('');
    await edit.getByRole('button', { name: 'Cancel' }).click();
    expect(harness.received.some((r) => r.channel === 'servers:add' && r.json.includes('"ok":true'))).toBe(true);
    expect(leaksOf(harness, bodyLines), 'the private key reached the window').toEqual([]);
    expect(await page.locator('body').textContent()).not.toContain(bodyLines[0]);
  });

  it('shows main’s reason for a damaged key, keeps the dialog open, and the error carries nothing of the key', async () => {
    const harness = await env.open();
    const { page } = harness;
    const { pem, bodyLines } = p256Key();
    // The base64 body cut in half: it looks like a key to the form, main finds it is not one.
    const [first = '', second = ''] = bodyLines;
    const damaged = `-----BEGIN PRIVATE KEY-----\n${first}\n${second.slice(0, 20)}\n-----END PRIVATE KEY-----\n`;
    const dialog = await startPrivateKeyJwtServer(page, 'Damaged');
    await dialog.getByRole('textbox', { name: 'Private key', exact: true }).fill(damaged);
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    await expect.poll(() => harness.received.filter((r) => r.channel === 'servers:add').length, { timeout: 10_000 }).toBe(1);
    const answer = JSON.parse(harness.received.find((r) => r.channel === 'servers:add')?.json ?? '{}') as { ok?: boolean; error?: { code?: string; message?: string } };
    expect(answer.ok).toBe(false);
    expect(answer.error?.code).toBe('invalid_server');
    await expect.poll(() => dialog.getByRole('alert').allTextContents()).toContain(answer.error?.message);
    expect(await dialog.count()).toBe(1);
    expect(await harness.runtime.services.servers.list()).toEqual([]);
    expect(leaksOf(harness, [first, second.slice(0, 20), pem]), 'the private key reached the window').toEqual([]);
  });
});
