// The window's security settings, checked without Electron: security.ts imports only types.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  appEntryUrl, appSchemes, contentSecurityPolicy, denyNavigation, denyPermissionCheck, denyPermissionRequest, denyWindowOpen,
  isAppUrl, securityHeaders, senderAllowed, windowOptions,
} from './security.ts';
import { shellPaths } from './paths.ts';

function directives(csp: string): Map<string, string[]> {
  return new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name = '', ...values]) => [name, values]));
}

describe('BrowserWindow options', () => {
  const prefs = windowOptions('/app/dist/electron/preload.cjs').webPreferences ?? {};

  it('isolate the page: context isolation, sandbox, no Node anywhere, web security on', () => {
    assert.equal(prefs.contextIsolation, true);
    assert.equal(prefs.sandbox, true);
    assert.equal(prefs.nodeIntegration, false);
    assert.equal(prefs.nodeIntegrationInWorker, false);
    assert.equal(prefs.nodeIntegrationInSubFrames, false);
    assert.equal(prefs.webSecurity, true);
    assert.equal(prefs.allowRunningInsecureContent, false);
    assert.equal(prefs.webviewTag, false);
    assert.equal(prefs.experimentalFeatures, false);
    assert.equal(prefs.navigateOnDragDrop, false);
    assert.equal(prefs.enableBlinkFeatures, undefined);
    assert.equal(prefs.preload, '/app/dist/electron/preload.cjs');
  });
});

describe('content security policy', () => {
  const csp = directives(contentSecurityPolicy);

  it('allows scripts only from the app itself: no inline, no eval, no remote', () => {
    assert.deepEqual(csp.get('default-src'), ["'none'"]);
    assert.deepEqual(csp.get('script-src'), ["'self'"]);
    assert.deepEqual(csp.get('object-src'), ["'none'"]);
    assert.deepEqual(csp.get('base-uri'), ["'none'"]);
    for (const values of csp.values()) {
      assert.ok(!values.includes("'unsafe-eval'") && !values.some((v) => /^(https?:|\*)/.test(v)), `no eval, no remote sources: ${values.join(' ')}`);
    }
  });

  it('has no network at all: the engine is reached only through the preload bridge', () => {
    assert.deepEqual(csp.get('connect-src'), ["'none'"]);
  });

  it('is sent with every app response, and the scheme never bypasses it', () => {
    assert.equal(securityHeaders['Content-Security-Policy'], contentSecurityPolicy);
    assert.equal(securityHeaders['X-Content-Type-Options'], 'nosniff');
    const [scheme] = appSchemes;
    assert.equal(scheme?.privileges?.bypassCSP, undefined);
    assert.equal(scheme?.privileges?.standard, true, 'standard: the app has a real origin');
    assert.equal(scheme?.privileges?.secure, true);
  });
});

describe('sender check', () => {
  const top = (url: string) => ({ url, parent: null });

  it('accepts the app’s own top-level frame', () => {
    assert.equal(senderAllowed(top(appEntryUrl)), true);
    assert.equal(senderAllowed(top('corral-app://app/')), true);
  });

  it('refuses other origins, lookalikes, subframes and gone frames', () => {
    for (const url of [
      'https://example.com/', 'http://127.0.0.1:8080/', 'file:///app/dist/renderer/index.html', 'corral-app://evil/index.html',
      'corral-app://app.evil/index.html', 'corral-app://user:pw@app/index.html', 'corral-app://app:99/index.html', 'about:blank',
      'data:text/html,<p>x', 'devtools://devtools/bundled/inspector.html', 'not a url', '',
    ]) assert.equal(senderAllowed(top(url)), false, url);
    assert.equal(senderAllowed({ url: appEntryUrl, parent: { url: appEntryUrl } }), false, 'a subframe');
    assert.equal(senderAllowed(null), false);
    assert.equal(senderAllowed(undefined), false);
    // Chromium canonicalises a standard scheme's host to lower case: any other spelling did not come from it.
    assert.equal(isAppUrl('CORRAL-APP://app/x'), true);
    assert.equal(isAppUrl('corral-app://APP/x'), false);
  });
});

describe('navigation, new windows and permissions', () => {
  it('prevents every navigation', () => {
    let prevented = 0;
    denyNavigation({ preventDefault: () => void prevented++ });
    assert.equal(prevented, 1);
  });

  it('denies every new window', () => {
    assert.deepEqual(denyWindowOpen(), { action: 'deny' });
  });

  it('denies every permission', () => {
    for (const permission of ['media', 'notifications', 'geolocation', 'clipboard-read', 'openExternal']) {
      let granted: boolean | undefined;
      denyPermissionRequest(undefined, permission, (answer) => { granted = answer; });
      assert.equal(granted, false, permission);
    }
    assert.equal(denyPermissionCheck(), false);
  });
});

describe('shell paths', () => {
  it('runs driver bundles from app.asar.unpacked when packaged, from dist/ in a checkout', () => {
    const packaged = shellPaths('/opt/Corral/resources/app.asar');
    assert.equal(packaged.drivers[0]?.entry, '/opt/Corral/resources/app.asar.unpacked/dist/drivers/qemu.js');
    assert.equal(packaged.preload, '/opt/Corral/resources/app.asar/dist/electron/preload.cjs');
    assert.equal(packaged.renderer, '/opt/Corral/resources/app.asar/dist/renderer');
    assert.equal(packaged.hostAgent.entry, '/opt/Corral/resources/app.asar.unpacked/dist/electron/workers/hostagent.js', 'the host agent runs from a real file too');
    const checkout = shellPaths('/src/corral');
    assert.deepEqual(checkout.drivers, [{ name: 'qemu', entry: '/src/corral/dist/drivers/qemu.js' }]);
  });
});
