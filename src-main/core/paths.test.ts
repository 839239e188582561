// The socket folder of an instance is named from its folder's real path (so a VM started through
// the link a move leaves is found from the new path), resolved once per set of paths, not on
// every call (runtimeDir is on every start, inspect and console path), and again after a move.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { corralPaths } from './paths.ts';

describe('corralPaths: the instances folder real path', () => {
  let root: string;
  beforeEach(() => { root = fs.mkdtempSync(path.join(os.tmpdir(), 'corral-paths-')); });
  afterEach(() => {
    mock.restoreAll();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('resolves it once, and again only after the instances folder moved', () => {
    const home = path.join(root, 'home');
    const paths = corralPaths({ home, cache: path.join(root, 'cache'), runtimeBase: root });
    fs.mkdirSync(paths.instances, { recursive: true });
    const realpath = mock.method(fs, 'realpathSync');
    const first = paths.runtimeDir(paths.instanceDir('a'));
    for (let i = 0; i < 50; i++) assert.equal(paths.runtimeDir(paths.instanceDir('a')), first);
    paths.runtimeDir(paths.instanceDir('b'));
    assert.equal(realpath.mock.callCount(), 1);

    // Moved: the old folder becomes a link to the new one; a VM is named by the new folder.
    const moved = path.join(root, 'moved');
    fs.renameSync(paths.instances, moved);
    fs.symlinkSync(moved, paths.instances);
    const throughLink = corralPaths({ home, cache: path.join(root, 'cache'), runtimeBase: root }).runtimeDir(path.join(home, 'instances', 'a'));
    paths.moveInstancesTo(moved);
    assert.equal(paths.runtimeDir(paths.instanceDir('a')), throughLink, 'the same socket folder as a process reaching it through the link');
    assert.notEqual(throughLink, first);
  });
});
