// Dropping a `.corral-driver` file anywhere on the window starts an install (review-file.ts):
// the trust dialog shows what it asks for. Nothing is installed until then.
import { useEffect } from 'react';
import { useUi } from '../../state/ui.ts';
import { useBundleInstall } from './store.ts';
import { bundleExtension, reviewBundleFile } from './review-file.ts';

const carriesFiles = (event: DragEvent): boolean => event.dataTransfer?.types.includes('Files') ?? false;

export function useBundleDrop(): void {
  useEffect(() => {
    const { setDragging } = useBundleInstall.getState();
    const notify = useUi.getState().notify;
    // dragenter/dragleave fire for every child element crossed: count them.
    let depth = 0;
    const onEnter = (event: DragEvent) => {
      if (!carriesFiles(event)) return;
      depth += 1;
      setDragging(true);
    };
    const onLeave = (event: DragEvent) => {
      if (!carriesFiles(event)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const onOver = (event: DragEvent) => {
      if (!carriesFiles(event)) return;
      event.preventDefault(); // without this the browser opens the file instead of dropping it
      if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
    };
    const onDrop = (event: DragEvent) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      depth = 0;
      setDragging(false);
      const files = [...(event.dataTransfer?.files ?? [])];
      const bundle = files.find((f) => f.name.endsWith(bundleExtension));
      if (!bundle) {
        notify({ kind: 'error', text: `To install a driver, drop a ${bundleExtension} file (got ${files.map((f) => f.name).join(', ') || 'no file'}).` });
        return;
      }
      void reviewBundleFile(bundle);
    };
    window.addEventListener('dragenter', onEnter);
    window.addEventListener('dragleave', onLeave);
    window.addEventListener('dragover', onOver);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('dragenter', onEnter);
      window.removeEventListener('dragleave', onLeave);
      window.removeEventListener('dragover', onOver);
      window.removeEventListener('drop', onDrop);
    };
  }, []);
}
