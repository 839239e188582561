// Driver bundles in the web shell: the page uploads the dropped file's bytes with
// `POST /upload/driver-bundle?name=FILE` and then reviews and installs it by the id it got back. A
// browser page has no business naming files on the engine's disk, so here, unlike in the
// desktop app, a bundle can only come from an upload.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DriverError, toDriverError } from '../../src-drivers/sdk/errors.ts';
import { pendingUploadLimits, saveUpload } from '../core/drivers/bundles/uploads.ts';
import type { BundleSource, CorralApi } from '../api/contract.ts';

export const bundleUploadPath = '/upload/driver-bundle';

export async function handleBundleUpload(
  home: string, request: IncomingMessage, response: ServerResponse, limits = pendingUploadLimits,
): Promise<void> {
  const reply = (status: number, body: unknown): void => {
    response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
    response.end(JSON.stringify(body));
  };
  if (request.method !== 'POST') {
    response.setHeader('Allow', 'POST');
    return reply(405, { ok: false, error: { code: 'INVALID_CONFIG', message: 'uploads are POST requests', details: {} } });
  }
  try {
    const name = new URL(request.url ?? '/', 'http://upload').searchParams.get('name');
    reply(200, { ok: true, value: { upload: await saveUpload(home, request, name, undefined, limits) } });
  } catch (error) {
    const typed = toDriverError(error);
    reply(uploadStatus(typed), { ok: false, error: typed.toJSON() });
  }
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
