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
  ],
  invalid: [
    { filename: at('src-main/core/engine.ts'), code: "import { app } from 'electron';", errors: error("only src-main/electron/ may import 'electron'") },
    { filename: at('src-main/core/engine.ts'), code: "import x from '../../src-drivers/qemu/driver.ts';", errors: error('reaches a driver only as a process') },
    { filename: at('src-drivers/qemu/driver.ts'), code: "import { Engine } from '../../src-main/core/engine.ts';", errors: error('may not reach into the engine') },
    { filename: at('src-drivers/qemu/driver.ts'), code: "import x from '../libvirt/driver.ts';", errors: error('drivers share code only through src-drivers/sdk/') },
    { filename: at('src-drivers/sdk/serve.ts'), code: "import x from '../qemu/driver.ts';", errors: error('drivers share code only through src-drivers/sdk/') },
    { filename: at('src-renderer/app.tsx'), code: "import fs from 'node:fs';", errors: error('no Node built-ins') },
    { filename: at('src-renderer/app.tsx'), code: "import { Engine } from '../src-main/core/engine.ts';", errors: error('may not reach into the engine') },
  ],
});
