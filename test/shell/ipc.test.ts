import { describe, expect, it, vi } from 'vitest';
import { apiFunctions, eventChannels, requestSchemas, type AppInfo, type ServerView } from '../../preload/contract.ts';
import { createDispatcher, ipcErrorCodes, type Handlers, type SenderInfo } from '../../main/ipc/dispatch.ts';
import { createHandlers, type AppServices } from '../../main/ipc/handlers.ts';
import { trustedSenderPolicy } from '../../main/ipc/trusted-sender.ts';
import type { fakeElectron } from './fake-electron.ts';

const electron = vi.hoisted(() => ({ current: undefined as unknown }));
vi.mock('electron', async () => {
  const { fakeElectron: make } = await import('./fake-electron.ts');
  electron.current = make();
  return electron.current;
});
const { registerIpcHandlers } = await import('../../main/ipc/register.ts');
const fake = (await import('electron')) as unknown as ReturnType<typeof fakeElectron>;

const trusted: SenderInfo = { webContentsId: 7, frameUrl: 'app://keyport/index.html', isMainFrame: true };
const policy = trustedSenderPolicy({ webContentsId: () => 7, rendererOrigin: 'app://keyport' });

const info: AppInfo = { name: 'Keyport', version: '9.9.9', dataDir: '/d', platform: 'linux', keychain: 'Keyport' };
const server: ServerView = {
  id: 's1',
  name: 'Demo',
  url: 'http://127.0.0.1:9001/mcp',
  transport: 'streamable-http',
  auth: { mode: 'automatic', sendResourceParameter: true, dpop: 'auto' },
  status: { state: 'disconnected' },
};

function spiedServices() {
  const reject = () => vi.fn(async () => Promise.reject(new Error('not used in this test')));
  const services = {
    info: vi.fn(() => info),
    openExternal: vi.fn(async () => true),
    servers: {
      list: vi.fn(async () => [server]),
      add: vi.fn(async () => server),
      update: reject(),
      remove: vi.fn(async () => true),
      reorder: reject(),
      importFromFile: reject(),
      connect: reject(),
      disconnect: reject(),
      details: reject(),
    },
    auth: {
      signIn: reject(),
      cancel: reject(),
      copyLink: reject(),
      signOut: reject(),
      stepUp: reject(),
      forgetRegistration: reject(),
      redirectUri: reject(),
      pasteRedirect: reject(),
      tokens: reject(),
      refresh: reject(),
      introspect: reject(),
      revoke: reject(),
      copyToken: reject(),
      revealToken: reject(),
      flows: reject(),
    },
    accounts: {
      list: reject(),
      add: reject(),
      switchTo: reject(),
      rename: reject(),
      signOut: reject(),
    },
    capabilities: {
      tools: reject(),
      callTool: reject(),
      cancelCall: reject(),
      resources: reject(),
      readResource: reject(),
      prompts: reject(),
      getPrompt: reject(),
      log: reject(),
      respondToElicitation: reject(),
    },
    foresight: {
      attention: reject(),
      planSignIn: reject(),
      saveReport: reject(),
      removeServer: reject(),
    },
  } satisfies AppServices;
  return services;
}

/** Every spy of a services object, to assert that none was called. */
function allSpies(services: ReturnType<typeof spiedServices>) {
  return [services.info, services.openExternal, ...Object.values(services.servers), ...Object.values(services.auth), ...Object.values(services.accounts), ...Object.values(services.capabilities), ...Object.values(services.foresight)];
}

describe('one handler per channel', () => {
  it('the handler table has exactly the contract’s request channels', () => {
    const handlers = createHandlers(spiedServices());
    expect(Object.keys(handlers).sort()).toEqual(Object.keys(requestSchemas).sort());
  });

  it('registers each channel on ipcMain exactly once, and removes them all', () => {
    const dispose = registerIpcHandlers(createDispatcher(createHandlers(spiedServices()), policy));
    expect([...fake.ipcHandlers.keys()].sort()).toEqual(Object.keys(requestSchemas).sort());
    dispose();
    expect(fake.ipcHandlers.size).toBe(0);
  });

  it('an IPC call from the window reaches its handler through the dispatcher', async () => {
    const services = spiedServices();
    const dispose = registerIpcHandlers(createDispatcher(createHandlers(services), policy));
    const mainFrame = { url: 'app://keyport/index.html' };
    const event = { sender: { id: 7, mainFrame }, senderFrame: mainFrame };
    await expect(fake.ipcHandlers.get('app:info')?.(event)).resolves.toEqual({ ok: true, value: info });
    const subframe = { url: 'app://keyport/index.html' };
    await expect(fake.ipcHandlers.get('app:info')?.({ sender: { id: 7, mainFrame }, senderFrame: subframe })).resolves
      .toMatchObject({ ok: false, error: { code: ipcErrorCodes.untrustedSender } });
    dispose();
  });
});

describe('the sender check', () => {
  it('accepts only the top frame of the app window showing app://keyport', () => {
    expect(policy(trusted)).toBe(true);
    expect(policy({ ...trusted, webContentsId: 8 })).toBe(false);
    expect(policy({ ...trusted, isMainFrame: false })).toBe(false);
    expect(policy({ ...trusted, frameUrl: undefined })).toBe(false);
    expect(policy({ ...trusted, frameUrl: 'https://evil.example/' })).toBe(false);
    expect(policy({ ...trusted, frameUrl: 'file:///tmp/index.html' })).toBe(false);
    expect(policy({ ...trusted, frameUrl: 'app://keyport.evil/index.html' })).toBe(false);
    expect(policy({ ...trusted, frameUrl: 'not a url' })).toBe(false);
    expect(trustedSenderPolicy({ webContentsId: () => undefined, rendererOrigin: 'app://keyport' })(trusted)).toBe(false);
  });

  it('an untrusted sender is refused and the handler is never called', async () => {
    const services = spiedServices();
    const problems: string[] = [];
    const dispatch = createDispatcher(createHandlers(services), policy, { onProblem: (p) => problems.push(p.code) });
    const result = await dispatch('servers:list', { ...trusted, frameUrl: 'https://evil.example/' }, []);
    expect(result).toMatchObject({ ok: false, error: { code: 'ipc_untrusted_sender' } });
    expect(services.servers.list).not.toHaveBeenCalled();
    expect(problems).toEqual(['ipc_untrusted_sender']);
  });
});

describe('payload validation', () => {
  const malformed: Array<[string, unknown[]]> = [
    ['servers:add', []],
    ['servers:add', ['http://127.0.0.1:9001/mcp']],
    ['servers:add', [{ url: 42 }]],
    ['servers:add', [{ url: 'http://127.0.0.1/mcp', extra: true }]],
    ['servers:add', [{ url: 'http://127.0.0.1/mcp', auth: { callbackPort: 80 } }]],
    ['servers:add', [{ url: 'x'.repeat(5000) }]],
    ['servers:add', [{ url: 'http://127.0.0.1/mcp' }, 'second argument']],
    ['servers:remove', [{ id: 's1' }]],
    ['servers:remove', ['']],
    ['app:info', ['unexpected']],
    ['app:openExternal', ['javascript:alert(1)']],
    ['tokens:reveal', ['s1', 'password']],
    ['tools:call', ['s1', { callId: 'c1', tool: 'x', arguments: [] }]],
    ['tools:call', ['s1', { callId: 'c1', tool: 'x', arguments: {}, extra: 1 }]],
    ['auth:stepUp', ['s1', []]],
    ['elicitation:respond', ['r1', { action: 'accept', content: { a: { nested: true } } }]],
    ['servers:reorder', ['s1']],
  ];

  it.each(malformed)('%s with %j never reaches the handler', async (channel, args) => {
    const services = spiedServices();
    const dispatch = createDispatcher(createHandlers(services), policy);
    const result = await dispatch(channel, trusted, args);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('ipc_invalid_arguments');
      expect(result.error.message).toContain(channel);
    }
    for (const spy of allSpies(services)) expect(spy).not.toHaveBeenCalled();
  });

  it('a well-formed call reaches the handler with the validated (trimmed) value', async () => {
    const services = spiedServices();
    const dispatch = createDispatcher(createHandlers(services), policy);
    const result = await dispatch('servers:add', trusted, [{ url: '  http://127.0.0.1:9001/mcp ' }]);
    expect(result).toEqual({ ok: true, value: server });
    expect(services.servers.add).toHaveBeenCalledWith({ url: 'http://127.0.0.1:9001/mcp' });
  });

  it('an unknown channel is refused with its own code', async () => {
    const dispatch = createDispatcher(createHandlers(spiedServices()), policy);
    await expect(dispatch('shell:openExternal', trusted, ['https://x'])).resolves.toMatchObject({
      ok: false,
      error: { code: 'ipc_unknown_channel' },
    });
    await expect(dispatch('__proto__', trusted, [])).resolves.toMatchObject({ ok: false, error: { code: 'ipc_unknown_channel' } });
  });
});

describe('errors crossing IPC', () => {
  function throwingHandlers(error: unknown): Handlers {
    const handlers = createHandlers(spiedServices());
    return { ...handlers, 'servers:list': async () => Promise.reject(error) };
  }

  it('a typed error keeps its code and message', async () => {
    const typed = Object.assign(new Error('Sign in again: the refresh token expired.'), { code: 'invalid_grant' });
    const result = await createDispatcher(throwingHandlers(typed), policy)('servers:list', trusted, []);
    expect(result).toEqual({ ok: false, error: { code: 'invalid_grant', message: 'Sign in again: the refresh token expired.' } });
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  it('an untyped error becomes a generic internal error, so its text (maybe a secret) never crosses', async () => {
    const leaky = new Error('request failed: Authorization: Bearer eyJsecret.secret.secret');
    const result = await createDispatcher(throwingHandlers(leaky), policy)('servers:list', trusted, []);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('internal_error');
      expect(result.error.message).not.toContain('secret');
    }
    const weird = await createDispatcher(throwingHandlers('a string'), policy)('servers:list', trusted, []);
    expect(weird).toMatchObject({ ok: false, error: { code: 'internal_error' } });
  });
});

describe('the preload', () => {
  it('exposes window.keyport with exactly one named function per channel and nothing generic', async () => {
    await import('../../preload/index.ts');
    const api = fake.exposed.get('keyport') as Record<string, (...args: unknown[]) => unknown>;
    expect([...fake.exposed.keys()]).toEqual(['keyport']);
    expect(Object.keys(api).sort()).toEqual(Object.keys(apiFunctions).sort());
    for (const forbidden of ['invoke', 'send', 'on', 'ipcRenderer', 'shell', 'require']) expect(api).not.toHaveProperty(forbidden);

    const covered = new Set(Object.values(apiFunctions));
    for (const channel of [...Object.keys(requestSchemas), ...eventChannels]) expect(covered).toContain(channel);
  });

  it('each request function invokes its own channel with its arguments', async () => {
    await import('../../preload/index.ts');
    const api = fake.exposed.get('keyport') as Record<string, (...args: unknown[]) => unknown>;
    for (const [fn, channel] of Object.entries(apiFunctions)) {
      if (!(channel in requestSchemas)) continue;
      fake.ipcRenderer.invocations.length = 0;
      await api[fn]?.('arg');
      expect(fake.ipcRenderer.invocations[0]?.channel, fn).toBe(channel);
    }
  });

  it('event functions deliver only the payload and can unsubscribe', async () => {
    await import('../../preload/index.ts');
    const api = fake.exposed.get('keyport') as Record<string, (listener: (p: unknown) => void) => () => void>;
    const received: unknown[] = [];
    const off = api['onServersChanged']?.((payload) => received.push(payload));
    fake.ipcRenderer.emit('servers:onChanged', { senderFrame: 'secret event object' }, [server]);
    expect(received).toEqual([[server]]);
    off?.();
    fake.ipcRenderer.emit('servers:onChanged', {}, []);
    expect(received).toHaveLength(1);
  });
});
