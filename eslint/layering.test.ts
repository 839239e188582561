// The layering rule, checked on imports from each layer of the tree.
import path from 'node:path';
import { describe, it } from 'node:test';
import { RuleTester } from 'eslint';
import tseslint from 'typescript-eslint';
import layering from './layering.js';

RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;

const root = path.resolve(import.meta.dirname, '..');
const at = (file: string) => path.join(root, file);
const tester = new RuleTester({ languageOptions: { parser: tseslint.parser, ecmaVersion: 2024, sourceType: 'module' } });
const error = (pattern: string) => [{ message: new RegExp(pattern) }] as unknown as number;

tester.run('corral/layering', layering, {
  valid: [
    { filename: at('src-drivers/qemu/driver.ts'), code: "import { serveDriver } from '../sdk/index.ts'; import fs from 'node:fs';" },
    { filename: at('src-drivers/qemu/sub/x.ts'), code: "import { DriverError } from '../../sdk/errors.ts'; import { y } from '../qmp.ts';" },
    { filename: at('src-main/core/engine.ts'), code: "import { DriverError } from '../../src-drivers/sdk/errors.ts';" },
    { filename: at('src-main/electron/main.ts'), code: "import { app } from 'electron';" },
    { filename: at('src-renderer/app.tsx'), code: "import type { CorralApi } from '../src-main/api/contract.ts'; import { create } from 'zustand';" },
    // The renderer may load the API's schemas and method table (its result checks).
    { filename: at('src-renderer/api/result-check.ts'), code: "import { apiMethods } from '../../src-main/api/methods.ts';" },
    { filename: at('src-main/api/methods.ts'), code: "import { z } from 'zod'; import { DriverError } from '../../src-drivers/sdk/errors.ts';" },
    { filename: at('src-main/core/events.ts'), code: "import type { ApiEvent } from '../api/contract.ts';" },
    { filename: at('src-main/engine-api/engine-api.ts'), code: "import type { Engine } from '../core/engine.ts'; import type { CorralApi } from '../api/contract.ts';" },
    { filename: at('src-main/server/server.ts'), code: "import { engineApi } from '../engine-api/engine-api.ts'; import { contentType } from '../app-files/mime.ts';" },
    { filename: at('src-main/electron/app-files.ts'), code: "import { resolveStatic } from '../app-files/resolve.ts'; import { dispatchCall } from '../api/dispatch.ts';" },
    { filename: at('src-main/cli/main.ts'), code: "import { Engine } from '../core/engine.ts'; import type { Instance } from '../api/contract.ts';" },
    { filename: at('src-main/corral.ts'), code: "import { main } from './cli/main.ts'; import { serveCommand } from './server/serve-command.ts';" },
    // Tests, and test support itself, may use test support.
    { filename: at('src-main/core/downloads/resume.test.ts'), code: "import { TestServer } from './test-support/server.ts';" },
    { filename: at('src-main/core/downloads/test-support/fetch-child.ts'), code: "import { Downloader } from '../downloader.ts'; import { tempDir } from './temp.ts';" },
    { filename: at('e2e/support/rfb.ts'), code: "import { vncResponse } from '../../src-drivers/qemu/test-support/rfb-client.ts';" },
  ],
  invalid: [
    { filename: at('src-main/core/downloads/downloader.ts'), code: "import { TestServer } from './test-support/server.ts';", errors: error('is test support: only tests') },
    { filename: at('src-main/electron/main.ts'), code: "import { bridgedPage } from './test-support/bridge.ts';", errors: error('is test support: only tests') },
    { filename: at('src-drivers/qemu/driver.ts'), code: "import { fakeEngine } from '../sdk/test-support/fake-engine.ts';", errors: error('is test support: only tests') },
    { filename: at('src-main/core/engine.ts'), code: "import { app } from 'electron';", errors: error("only src-main/electron/ may import 'electron'") },
    { filename: at('src-main/core/engine.ts'), code: "import x from '../../src-drivers/qemu/driver.ts';", errors: error('reaches a driver only as a process') },
    { filename: at('src-drivers/qemu/driver.ts'), code: "import { Engine } from '../../src-main/core/engine.ts';", errors: error('may not reach into the engine') },
    { filename: at('src-drivers/qemu/driver.ts'), code: "import x from '../libvirt/driver.ts';", errors: error('drivers share code only through src-drivers/sdk/') },
    { filename: at('src-drivers/sdk/serve.ts'), code: "import x from '../qemu/driver.ts';", errors: error('drivers share code only through src-drivers/sdk/') },
    { filename: at('src-renderer/app.tsx'), code: "import fs from 'node:fs';", errors: error('no Node built-ins') },
    { filename: at('src-renderer/app.tsx'), code: "import { ipcRenderer } from 'electron';", errors: error("only src-main/electron/ may import 'electron'") },
    { filename: at('src-renderer/app.tsx'), code: "import { engineApi } from '../src-main/engine-api/engine-api.ts';", errors: error('may not reach into the engine') },
    // The engine knows no front end.
    { filename: at('src-main/core/engine.ts'), code: "import { startServer } from '../server/server.ts';", errors: error('the engine \\(src-main/core/\\) knows no front end') },
    { filename: at('src-main/core/engine.ts'), code: "import { main } from '../cli/main.ts';", errors: error('knows no front end: it may not import cli') },
    { filename: at('src-main/core/engine.ts'), code: "import { registerIpc } from '../electron/ipc.ts';", errors: error('knows no front end: it may not import electron-shell') },
    { filename: at('src-main/core/engine.ts'), code: "import { engineApi } from '../engine-api/engine-api.ts';", errors: error('knows no front end: it may not import engine-api') },
    { filename: at('src-main/core/events.ts'), code: "import { apiEventSchema } from '../api/schemas.ts';", errors: error('may name the API’s types') },
    // The API is loaded by the renderer: no engine, no Node.
    { filename: at('src-main/api/methods.ts'), code: "import { Engine } from '../core/engine.ts';", errors: error('src-main/api/ is loaded by the renderer too') },
    { filename: at('src-main/api/methods.ts'), code: "import type { Engine } from '../core/engine.ts';", errors: error('src-main/api/ is loaded by the renderer too') },
    { filename: at('src-main/api/methods.ts'), code: "import fs from 'node:fs';", errors: error('no Node built-ins') },
    // Front ends do not import each other.
    { filename: at('src-main/cli/main.ts'), code: "import { serveCommand } from '../server/serve-command.ts';", errors: error('front ends do not import each other \\(cli -> server\\)') },
    { filename: at('src-main/server/server.ts'), code: "import { main } from '../cli/main.ts';", errors: error('front ends do not import each other \\(server -> cli\\)') },
    { filename: at('src-main/server/server.ts'), code: "import { registerIpc } from '../electron/ipc.ts';", errors: error('front ends do not import each other \\(server -> electron-shell\\)') },
    { filename: at('src-main/server/server.ts'), code: "import { app } from 'electron';", errors: error("only src-main/electron/ may import 'electron'") },
    { filename: at('src-main/electron/session.ts'), code: "import { handleCall } from '../server/calls.ts';", errors: error('only through what both share') },
    // The shared pieces stay below the shells.
    { filename: at('src-main/app-files/mime.ts'), code: "import { sendText } from '../server/headers.ts';", errors: error("layer 'app-files' may not import layer 'server'") },
    { filename: at('src-main/engine-api/engine-api.ts'), code: "import { startServer } from '../server/server.ts';", errors: error("layer 'engine-api' may not import layer 'server'") },
    { filename: at('src-renderer/app.tsx'), code: "import { Engine } from '../src-main/core/engine.ts';", errors: error('may not reach into the engine') },
  ],
});
