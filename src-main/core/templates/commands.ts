// `corral template show|list`, as functions returning what to print and the exit code, so the
// CLI (and tests) only wire them up.
import { stringify } from 'yaml';
import { toDriverError } from '../../../src-drivers/sdk/errors.ts';
import { limaDocumentSchema } from '../instances/config.ts';
import { listCatalog } from './catalog.ts';
import { catalogDir, loadTemplate } from './load.ts';
import type { TemplateOptions } from './load.ts';
import type { YamlMap } from './values.ts';

export interface CommandOutput {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Top-level fields in lima.yaml's usual order (as in Lima's default.yaml), unknown ones last. */
function inSchemaOrder(document: YamlMap): YamlMap {
  const order = Object.keys(limaDocumentSchema().shape);
  const rank = (key: string): number => (order.includes(key) ? order.indexOf(key) : order.length);
  return Object.fromEntries(Object.entries(document).sort(([a], [b]) => rank(a) - rank(b)));
}

/** `template show FILE|NAME`: the resolved template as YAML; warnings (or the error) on stderr. */
export async function templateShow(ref: string, options: TemplateOptions = {}): Promise<CommandOutput> {
  try {
    const { document, warnings } = await loadTemplate(ref, options);
    return {
      stdout: stringify(inSchemaOrder(document), { lineWidth: 0 }),
      stderr: warnings.map((w) => `warning: ${w}\n`).join(''),
      exitCode: 0,
    };
  } catch (error) {
    return { stdout: '', stderr: `corral: ${toDriverError(error).message}\n`, exitCode: 1 };
  }
}

/** `template list`: one line per catalog template, its name and description. */
export async function templateList(options: Pick<TemplateOptions, 'catalogDirs'> = {}): Promise<CommandOutput> {
  const entries = await listCatalog(options.catalogDirs ?? [catalogDir]);
  const width = Math.max(4, ...entries.map((e) => e.name.length));
  const lines = [`${'NAME'.padEnd(width)}  DESCRIPTION`, ...entries.map((e) => `${e.name.padEnd(width)}  ${e.description}`)];
  return { stdout: `${lines.join('\n')}\n`, stderr: '', exitCode: 0 };
}

export const templateUsage = 'usage: corral template show FILE|NAME | corral template list';

/** `corral template ARGS...`: dispatches to show or list; a usage error exits 2, as the CLI's do. */
export async function templateCommand(args: readonly string[], options: TemplateOptions = {}): Promise<CommandOutput> {
  const [sub, ref, ...rest] = args;
  if (sub === 'show' && ref && rest.length === 0) return templateShow(ref, options);
  if (sub === 'list' && ref === undefined) return templateList(options);
  return { stdout: '', stderr: `corral: ${templateUsage}\n`, exitCode: 2 };
}
