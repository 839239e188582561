// What the window shows while a file is dragged over it, and while the engine checks a dropped bundle.
import { useBundleInstall } from './store.ts';
import { bundleExtension } from './review-file.ts';
import { useBundleDrop } from './useBundleDrop.ts';

export function DropOverlay() {
  useBundleDrop();
  const dragging = useBundleInstall((s) => s.dragging);
  const checking = useBundleInstall((s) => s.checking);
  if (!dragging && !checking) return null;
  return (
    <div className="drop-overlay" role="status">
      {checking ? `Checking ${checking}…` : `Drop a ${bundleExtension} file to install the driver`}
    </div>
  );
}
