// The renderer's copy of the instance naming rule must agree with the engine's, name by name.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { instanceNameProblem } from '../../src-main/core/instances/names.ts';
import { nameProblem } from '../../src-renderer/features/instances/name-rule.ts';

const names = [
  '', 'a', 'web1', 'Web-1_x.y', '-lead', '.hidden', '_x', 'a..b', '..', '.', 'a b', 'a/b', 'a\\b', 'ünï', 'x'.repeat(63),
  'x'.repeat(64), 'a.', 'a-', '9', 'name!', 'tab\there', 'new\nline',
];

it('agrees with the engine on which names are valid, and why not', () => {
  for (const name of names) {
    assert.equal(nameProblem(name), instanceNameProblem(name), JSON.stringify(name));
  }
});
