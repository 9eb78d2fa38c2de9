// When a login is headless (over SSH, no display) and the ssh -L line it prints.
import { describe, expect, it } from 'vitest';
import { headlessReason, sshTunnelCommand } from '../../src/client/headless.js';

describe('headlessReason', () => {
  it('over SSH, whatever the display or browser command', () => {
    expect(headlessReason({ SSH_CONNECTION: '1 2 3 4', DISPLAY: ':0' }, 'firefox', 'linux')).toBe(
      'this session is over SSH',
    );
    expect(headlessReason({ SSH_TTY: '/dev/pts/1' }, undefined, 'darwin')).toBe(
      'this session is over SSH',
    );
  });

  it('Linux without DISPLAY or WAYLAND_DISPLAY and no browser command; --no-browser counts as none', () => {
    expect(headlessReason({}, undefined, 'linux')).toMatch(/no display/);
    expect(headlessReason({ BROWSER: 'w3m' }, false, 'linux')).toMatch(/no display/);
    expect(headlessReason({ BROWSER: 'w3m' }, undefined, 'linux')).toBeUndefined();
    expect(headlessReason({}, 'w3m', 'linux')).toBeUndefined();
    expect(headlessReason({ WAYLAND_DISPLAY: 'wayland-0' }, undefined, 'linux')).toBeUndefined();
    expect(headlessReason({}, undefined, 'darwin')).toBeUndefined();
  });
});

describe('sshTunnelCommand', () => {
  it("the listener's port both sides, the server address of SSH_CONNECTION, -p when not 22", () => {
    const env = { SSH_CONNECTION: '203.0.113.7 52100 192.0.2.10 22', USER: 'alice' };
    expect(sshTunnelCommand(8400, env)).toBe('ssh -L 8400:127.0.0.1:8400 alice@192.0.2.10');
    expect(sshTunnelCommand(8400, { ...env, SSH_CONNECTION: 'a 1 2001:db8::1 2222' })).toBe(
      'ssh -L 8400:127.0.0.1:8400 -p 2222 alice@2001:db8::1',
    );
  });

  it('placeholders where the host or user is unknown or not plain', () => {
    expect(sshTunnelCommand(1, {})).toBe('ssh -L 1:127.0.0.1:1 <user>@<this-host>');
    expect(sshTunnelCommand(1, { USER: 'a;rm -rf', SSH_CONNECTION: '1 2 $(x) 22' })).toBe(
      'ssh -L 1:127.0.0.1:1 <user>@<this-host>',
    );
    expect(sshTunnelCommand(1, { LOGNAME: 'bob' })).toBe('ssh -L 1:127.0.0.1:1 bob@<this-host>');
  });
});
