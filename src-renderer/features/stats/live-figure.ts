// A figure that changes every second, drawn without React: the element's text is written when a
// new sample arrives, and only while the element is on screen. With 200 rows streaming, the
// ones scrolled out of view cost nothing per second; each is brought up to date when it comes
// back into view (one shared IntersectionObserver for all of them). Its first figure is drawn
// wherever it is, so every running row has one. A figure's box has a fixed size (.cpu-figure,
// contain: strict), so a new text re-lays out that box alone, not the table.
import { latestSample, subscribe } from './store.ts';
import type { StatsSample } from '../../../src-main/api/contract.ts';

interface Bound {
  visible: boolean;
  /** A sample arrived while off screen. */
  stale: boolean;
  draw: () => void;
}

const bound = new WeakMap<Element, Bound>();
let observer: IntersectionObserver | undefined;

function visibility(): IntersectionObserver {
  observer ??= new IntersectionObserver((entries) => {
    for (const entry of entries) {
      const figure = bound.get(entry.target);
      if (!figure) continue;
      figure.visible = entry.isIntersecting;
      if (figure.visible && figure.stale) figure.draw();
    }
  });
  return observer;
}

/**
 * Keeps `element`'s text as `text(newest sample of name)` ('' while there is none or it gives
 * undefined); returns the unbinding.
 */
export function bindFigure(element: HTMLElement, name: string, text: (sample: StatsSample) => string | undefined): () => void {
  let drawn = false;
  // One text node whose data changes: a changed character run is re-laid out, while a new
  // node each second (textContent) would also send the element through style recalculation.
  const shown = document.createTextNode('');
  element.replaceChildren(shown);
  const figure: Bound = {
    visible: false,
    stale: false,
    draw: () => {
      figure.stale = false;
      const sample = latestSample(name);
      const value = (sample && text(sample)) ?? '';
      if (shown.data !== value) shown.data = value;
      drawn ||= value !== '';
    },
  };
  bound.set(element, figure);
  visibility().observe(element);
  figure.draw();
  const stop = subscribe(name, () => {
    if (figure.visible || !drawn) figure.draw();
    else figure.stale = true;
  });
  return () => {
    stop();
    observer?.unobserve(element);
    bound.delete(element);
    shown.remove();
  };
}
