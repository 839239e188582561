// The native file dialog behind the bridge's pickFile, with a stand-in for Electron's dialog:
// the app's own frame gets the picked path (null when cancelled); another frame, or a request
// for another kind of file, gets null and no dialog is shown at all.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pickFile } from './file-picker.ts';
import type { OpenDialogOptions } from './file-picker.ts';
import { appEntryUrl } from './security.ts';

const appFrame = { url: appEntryUrl, parent: null };

function recorder(answer: { canceled: boolean; filePaths: string[] }) {
  const shown: OpenDialogOptions[] = [];
  return { shown, show: async (options: OpenDialogOptions) => { shown.push(options); return answer; } };
}

describe('native file dialog (pickFile)', () => {
  it('answers the path the user picked, from a dialog for Lima templates', async () => {
    const dialog = recorder({ canceled: false, filePaths: ['/home/me/vm/lima.yaml'] });
    assert.equal(await pickFile(appFrame, { kind: 'template' }, dialog.show), '/home/me/vm/lima.yaml');
    assert.deepEqual(dialog.shown.map((o) => o.filters[0]?.extensions), [['yaml', 'yml']]);
  });

  it('answers null when the user cancels', async () => {
    const dialog = recorder({ canceled: true, filePaths: [] });
    assert.equal(await pickFile(appFrame, { kind: 'template' }, dialog.show), null);
  });

  it('shows no dialog for another frame or a malformed request', async () => {
    const dialog = recorder({ canceled: false, filePaths: ['/etc/shadow'] });
    const warnings: string[] = [];
    const warn = (m: string) => warnings.push(m);
    assert.equal(await pickFile({ url: 'https://evil.example/', parent: null }, { kind: 'template' }, dialog.show, warn), null);
    assert.equal(await pickFile({ url: appEntryUrl, parent: {} }, { kind: 'template' }, dialog.show, warn), null);
    assert.equal(await pickFile(null, { kind: 'template' }, dialog.show, warn), null);
    assert.equal(await pickFile(appFrame, { kind: 'anything' }, dialog.show, warn), null);
    assert.equal(await pickFile(appFrame, 'template', dialog.show, warn), null);
    assert.deepEqual(dialog.shown, []);
    assert.equal(warnings.length, 5);
  });
});
