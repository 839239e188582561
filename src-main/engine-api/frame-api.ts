// The create dialog's and Settings page's calls over an in-process Engine: the catalog with
// its facts, one template's facts, holding an upload the dialog shows, the host's size, and
// where the engine keeps things.
import type { Engine } from '../core/engine.ts';
import { engineSettings, hostInfo } from '../core/settings/settings.ts';
import { catalogWithFacts, templateFacts } from '../core/templates/preview.ts';
import { holdUpload } from '../core/templates/upload-lease.ts';
import type { PreviewOptions } from '../core/templates/preview.ts';
import { RemoteSizes } from '../core/templates/remote-size.ts';
import type { CorralApi } from '../api/contract.ts';

function previewOptions(engine: Engine, sizes: RemoteSizes): PreviewOptions {
  return {
    vmTypes: engine.drivers.names(),
    fetchText: (url, maxBytes) => engine.downloads.fetchText(url, maxBytes),
    cacheDir: engine.paths.cache,
    remoteSize: (url) => sizes.size(url),
  };
}

export function frameApi(engine: Engine): Pick<CorralApi, 'listCatalog' | 'describeTemplate' | 'holdUpload' | 'hostInfo' | 'settings'> {
  // One per engine API: the sizes servers stated are remembered while it runs.
  const sizes = new RemoteSizes();
  return {
    listCatalog: () => catalogWithFacts(previewOptions(engine, sizes)),
    describeTemplate: ({ template }) => templateFacts(template, previewOptions(engine, sizes)),
    holdUpload: async ({ path }) => ({ heldUntil: (await holdUpload(engine.paths.home, path)).toISOString() }),
    hostInfo: () => hostInfo(),
    settings: () => engineSettings(engine.paths, process.env, engine.cacheFixedBy),
  };
}
