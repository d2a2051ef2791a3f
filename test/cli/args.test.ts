import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../main/cli/args.ts';
import { toCliFailure, UsageError } from '../../main/cli/errors.ts';
import { KeychainError } from '../../main/secrets/errors.ts';

describe('parseCommandLine', () => {
  it('parses the contract, with global options before or after the command', () => {
    expect(parseCommandLine(['--data-dir', '/d', '--json', 'servers', 'list'])).toEqual({
      command: 'servers list',
      dataDir: '/d',
      json: true,
      args: {},
      options: {},
    });
    expect(
      parseCommandLine(['servers', 'add', 'https://x.example/mcp', '--name', 'X', '--client-id', 'c', '--client-secret-stdin', '--no-resource-param', '--callback-port', '8123', '--json']),
    ).toMatchObject({
      command: 'servers add',
      json: true,
      args: { url: 'https://x.example/mcp' },
      options: { name: 'X', 'client-id': 'c', 'client-secret-stdin': true, 'no-resource-param': true, 'callback-port': '8123' },
    });
    expect(parseCommandLine(['login', 'srv', '--scope', 'a b', '--browser-command', 'agent --x', '--timeout', '30'])).toMatchObject({
      command: 'login',
      args: { server: 'srv' },
      options: { scope: 'a b', 'browser-command': 'agent --x', timeout: '30' },
    });
    expect(parseCommandLine(['call', 'srv', 'echo', '--args', '{"a":1}'])).toMatchObject({ args: { server: 'srv', tool: 'echo' }, options: { args: '{"a":1}' } });
    expect(parseCommandLine(['status'])).toMatchObject({ command: 'status', args: {} });
    expect(parseCommandLine(['--data-dir=/x', 'token', 's', '--reveal'])).toMatchObject({ dataDir: '/x', options: { reveal: true } });
    expect(parseCommandLine(['servers', '--json', 'list'])).toMatchObject({ command: 'servers list', json: true });
    expect(parseCommandLine(['servers', '--data-dir', '/d', 'remove', 'x'])).toMatchObject({ command: 'servers remove', dataDir: '/d' });
    expect(parseCommandLine([]).command).toBe('help');
    expect(parseCommandLine(['--help']).command).toBe('help');
    expect(parseCommandLine(['login', '--help']).command).toBe('help');
    expect(parseCommandLine(['--version']).command).toBe('version');
  });

  it.each([
    [['frob'], /unknown command "frob"/],
    [['servers'], /needs a sub-command/],
    [['servers', 'frob'], /unknown command "servers frob"/],
    [['servers', 'edit'], /"servers edit" needs <server>/],
    [['login'], /"login" needs <server>/],
    [['call', 'srv'], /"call" needs <tool>/],
    [['tools', 'a', 'b'], /unexpected argument "b"/],
    [['login', 's', '--reveal'], /unknown option --reveal for "login"/],
    [['login', 's', '--scope'], /option --scope needs a value/],
    [['token', 's', '--reveal=yes'], /--reveal takes no value/],
    [['--data-dir'], /--data-dir needs a value/],
  ])('refuses %j with a usage error', (argv, message) => {
    expect(() => parseCommandLine(argv)).toThrow(UsageError);
    expect(() => parseCommandLine(argv)).toThrow(message);
  });
});

describe('toCliFailure', () => {
  it('maps usage, typed core errors and unknown errors to exit codes and one line', () => {
    expect(toCliFailure(new UsageError('bad'))).toEqual({ code: 'usage', message: 'bad', exitCode: 2 });
    expect(toCliFailure(new KeychainError('keychain_locked', 'unlock it\nplease'))).toEqual({ code: 'keychain_locked', message: 'unlock it please', exitCode: 1 });
    expect(toCliFailure(Object.assign(new Error('stop'), { code: 'cancelled' })).exitCode).toBe(130);
    expect(toCliFailure(new TypeError('x'))).toMatchObject({ code: 'internal_error', message: expect.stringMatching(/^Keyport failed in a way it does not expect \(TypeError\)\. Nothing was saved\./), exitCode: 1 });
  });
});
