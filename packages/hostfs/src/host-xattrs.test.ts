import { describe, expect, it } from 'vitest';
import { guestXattrName, hostXattrName } from './host-xattrs.js';

describe('guest extended attribute names on the host', () => {
  it('keeps user.* as is and every other name under trusted.rvisor.', () => {
    expect(hostXattrName('user.mime_type')).toBe('user.mime_type');
    expect(hostXattrName('security.capability')).toBe('trusted.rvisor.security.capability');
    expect(hostXattrName('trusted.overlay.opaque')).toBe('trusted.rvisor.trusted.overlay.opaque');
    expect(hostXattrName('user.rvisor.x')).toBe('user.rvisor.x');
  });

  it('maps each host name back to the one guest name it stands for, and hides the host\'s own', () => {
    for (const name of ['user.a', 'security.capability', 'trusted.x', 'trusted.rvisor.x', 'security.selinux']) {
      expect(guestXattrName(hostXattrName(name))).toBe(name);
    }
    expect(guestXattrName('security.selinux')).toBeUndefined();
    expect(guestXattrName('trusted.overlay.opaque')).toBeUndefined();
    expect(guestXattrName('trusted.rvisor.trusted.overlay.opaque')).toBe('trusted.overlay.opaque');
    expect(guestXattrName('system.posix_acl_access')).toBeUndefined();
  });
});
