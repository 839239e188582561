// Driver bundles in the web shell: the page uploads the dropped file's bytes with
// `POST /upload/driver-bundle?name=FILE` and then reviews and installs it by the id it got back. A
// browser page has no business naming files on the engine's disk, so here, unlike in the
// desktop app, a bundle can only come from an upload.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DriverError } from '../../src-drivers/sdk/errors.ts';
import { pendingUploadLimits, saveUpload } from '../core/drivers/bundles/uploads.ts';
import type { BundleSource, CorralApi } from '../api/contract.ts';
import { serveUpload } from './upload-endpoint.ts';

export const bundleUploadPath = '/upload/driver-bundle';

export function handleBundleUpload(
  home: string, request: IncomingMessage, response: ServerResponse, limits = pendingUploadLimits,
): Promise<void> {
  return serveUpload({
    save: async (name, body) => ({ upload: await saveUpload(home, body, name, undefined, limits) }),
    statusOf: uploadStatus,
  }, request, response);
}

/** Too big, or too much waiting already: 413; too many waiting: 429; anything else is ours. */
function uploadStatus(error: DriverError): number {
  if (error.details.reason === 'too-many-uploads') return 429;
  if (error.code === 'INVALID_BUNDLE' || error.details.reason === 'too-many-upload-bytes') return 413;
  return 500;
}

/** The API as the web shell offers it: bundles by upload id only. */
export function uploadsOnly(api: CorralApi): CorralApi {
  const refusePaths = (source: BundleSource): void => {
    if ('path' in source) throw new DriverError('PERMISSION_DENIED', 'the web shell installs driver bundles only from uploads; drop the file on the page, or use `corral driver install FILE`');
  };
  return {
    ...api,
    reviewDriverBundle: async (request) => {
      refusePaths(request.source);
      return api.reviewDriverBundle(request);
    },
    installDriverBundle: async (request) => {
      refusePaths(request.source);
      return api.installDriverBundle(request);
    },
  };
}
