// A connection's settings are checked against what the driver declared, and a wrong one is
// named without its value; secrets are masked; the default connection reads CORRAL_DRIVER_*.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import { settingDeclarationSchema } from '../../../src-drivers/sdk/protocol.ts';
import { maskSecrets, settingsFromEnvironment, validateSettings } from './settings.ts';

const declarations = [
  settingDeclarationSchema().parse({ name: 'uri', type: 'string', description: 'where', required: true, pattern: '[a-z+]+://[a-z0-9.@:]*/[a-z]*', example: 'qemu+ssh://user@host/system' }),
  settingDeclarationSchema().parse({ name: 'apiToken', type: 'string', description: 'a token', secret: true, pattern: '[A-Za-z0-9-]{8,}' }),
  settingDeclarationSchema().parse({ name: 'port', type: 'number', description: 'a port' }),
];

function failure(values: unknown): DriverError {
  try {
    validateSettings('demo', declarations, values, 'connection "x"');
  } catch (error) {
    assert.ok(error instanceof DriverError);
    return error;
  }
  assert.fail('expected the settings to be refused');
}

test('valid settings pass, declared names only', () => {
  assert.deepEqual(validateSettings('demo', declarations, { uri: 'qemu+ssh://u@h/system', port: 22 }, 'c'), { uri: 'qemu+ssh://u@h/system', port: 22 });
});

test('each kind of wrong setting is one line naming the setting, never the value', () => {
  const secret = 'hunter2;rm -rf';
  const cases: Array<[unknown, RegExp]> = [
    [{ uri: 'qemu+ssh://h;rm -rf /system' }, /setting uri expected something like qemu\+ssh:\/\/user@host\/system/],
    [{ uri: 'qemu:///system', apiToken: secret }, /setting apiToken has characters or a form this driver does not accept/],
    [{ uri: 'qemu:///system', port: '22' }, /setting port expected a number/],
    [{}, /setting uri is required/],
    [{ uri: 'qemu:///system', password: 'x' }, /driver demo has no setting password \(its settings: uri, apiToken, port\)/],
  ];
  for (const [values, expected] of cases) {
    const error = failure(values);
    assert.equal(error.code, 'INVALID_CONFIG');
    assert.match(error.message, expected);
    assert.doesNotMatch(error.message, /\n/);
    assert.ok(!error.message.includes(secret) && !JSON.stringify(error.details).includes(secret), 'the value is not repeated');
  }
});

test('secrets are masked for showing', () => {
  assert.deepEqual(maskSecrets(declarations, { uri: 'qemu:///system', apiToken: 'abcdefgh123' }), { uri: 'qemu:///system', apiToken: '********' });
});

test('the default connection takes CORRAL_DRIVER_SETTING variables, declared ones only', () => {
  const env = { CORRAL_DEMO_URI: ' qemu+ssh://h/system ', CORRAL_DEMO_API_TOKEN: 'tok', CORRAL_DEMO_PORT: '2222', CORRAL_DEMO_OTHER: 'x', CORRAL_LIBVIRT_URI: 'qemu:///session' };
  assert.deepEqual(settingsFromEnvironment('demo', declarations, env), { uri: 'qemu+ssh://h/system', apiToken: 'tok', port: 2222 });
  assert.deepEqual(settingsFromEnvironment('qemu', [], env), {});
});
