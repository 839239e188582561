// The create dialog's and Settings page's calls over an in-process Engine: the catalog with
// its facts, one template's facts, the host's size, and where the engine keeps things.
import type { Engine } from '../core/engine.ts';
import { engineSettings, hostInfo } from '../core/settings/settings.ts';
import { catalogWithFacts, templateFacts } from '../core/templates/preview.ts';
import type { PreviewOptions } from '../core/templates/preview.ts';
import type { CorralApi } from '../api/contract.ts';

function previewOptions(engine: Engine): PreviewOptions {
  return {
    vmTypes: engine.drivers.names(),
    fetchText: (url, maxBytes) => engine.downloads.fetchText(url, maxBytes),
    cacheDir: engine.paths.cache,
  };
}

export function frameApi(engine: Engine): Pick<CorralApi, 'listCatalog' | 'describeTemplate' | 'hostInfo' | 'settings'> {
  return {
    listCatalog: () => catalogWithFacts(previewOptions(engine)),
    describeTemplate: ({ template }) => templateFacts(template, previewOptions(engine)),
    hostInfo: () => hostInfo(),
    settings: () => engineSettings(engine.paths, process.env, engine.cacheFixedBy),
  };
}
