// A driver bundle file the user gave (dropped on the window, or picked on the Drivers page):
// made reachable by the engine (a path in Electron, an upload in the web shell), checked by
// the engine, then shown in the trust dialog. Nothing is installed until the user says so there.
import { api, stageDriverBundle } from '../../api/index.ts';
import { errorMessage } from '../../api/errors.ts';
import { useUi } from '../../state/ui.ts';
import { useBundleInstall } from './store.ts';

export const bundleExtension = '.corral-driver';

export async function reviewBundleFile(bundle: File): Promise<void> {
  const { setChecking, setPending } = useBundleInstall.getState();
  if (!bundle.name.endsWith(bundleExtension)) {
    useUi.getState().notify({ kind: 'error', text: `To install a driver, pick a ${bundleExtension} file (got ${bundle.name}).` });
    return;
  }
  setChecking(bundle.name);
  try {
    const source = await stageDriverBundle(bundle);
    setPending({ fileName: bundle.name, source, review: await api.reviewDriverBundle({ source }) });
  } catch (error) {
    setChecking(undefined);
    useUi.getState().notify({ kind: 'error', text: errorMessage(error) });
  }
}
