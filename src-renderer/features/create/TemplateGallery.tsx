// The create dialog's template choice: a card per catalog template (name, description, OS,
// architecture, resources, image size) and "From file…", as one radio group: arrow keys move
// between cards, and each card's facts are its description for screen readers.
import { FileText } from 'lucide-react';
import { useId } from 'react';
import type { CatalogEntry, TemplateFacts } from '../../../src-main/api/contract.ts';
import { FactList } from '../../ui/FactList.tsx';
import { formatBytes } from '../../ui/format.ts';

/** The gallery's value for "a file of my own" (catalog names never start with a dot). */
export const fileChoice = '.file';

/** A template's OS, architecture and resources, one short fact each. */
export function factsOf(facts: TemplateFacts): string[] {
  return [facts.os, facts.arch, `${facts.cpus} CPU${facts.cpus === 1 ? '' : 's'}`, `${formatBytes(facts.memoryBytes)} memory`, `${formatBytes(facts.diskBytes)} disk`];
}

export function factsLine(facts: TemplateFacts): string {
  return factsOf(facts).join(' · ');
}

export function imageLine(facts: TemplateFacts): string {
  const size = facts.imageBytes === null ? '' : formatBytes(facts.imageBytes);
  switch (facts.imageSizeFrom) {
    case 'file': return `Image ${size} (on this computer)`;
    case 'cache': return `Image ${size} (downloaded)`;
    case 'server': return `Image ${size} to download at first start`;
    case 'unknown': return facts.imageLocal ? 'Image file not found' : 'Image size unknown; downloaded at first start';
  }
}

interface GalleryProps {
  catalog: CatalogEntry[] | undefined;
  loading: boolean;
  value: string;
  onChange: (value: string) => void;
}

export function TemplateGallery({ catalog, loading, value, onChange }: GalleryProps) {
  const id = useId();
  return (
    <fieldset className="gallery">
      <legend>Template</legend>
      {loading ? <p role="status" className="help">Reading the catalog…</p> : null}
      <div className="gallery-cards">
        {catalog?.map((entry) => (
          <label key={entry.name} className="gallery-card" data-template={entry.name}>
            <input
              type="radio" name={`${id}-template`} value={entry.name} checked={value === entry.name} onChange={() => onChange(entry.name)}
              aria-labelledby={`${id}-${entry.name}-title`} aria-describedby={`${id}-${entry.name}-facts`} disabled={!entry.facts}
            />
            <span className="gallery-title" id={`${id}-${entry.name}-title`}>{entry.name}</span>
            <span id={`${id}-${entry.name}-facts`} className="gallery-facts">
              <span className="gallery-description">{entry.description}</span>
              {entry.facts ? <><span><FactList facts={factsOf(entry.facts)} /></span><span>{imageLine(entry.facts)}</span></> : <span className="field-error">Cannot be used: {entry.problem}</span>}
            </span>
          </label>
        ))}
        <label className="gallery-card">
          <input type="radio" name={`${id}-template`} value={fileChoice} checked={value === fileChoice} onChange={() => onChange(fileChoice)} aria-labelledby={`${id}-file-title`} aria-describedby={`${id}-file-facts`} />
          <span className="gallery-title" id={`${id}-file-title`}><FileText aria-hidden size={16} />From file…</span>
          <span id={`${id}-file-facts`} className="gallery-facts"><span className="gallery-description">A Lima template (lima.yaml) of your own, or its http(s) address.</span></span>
        </label>
      </div>
    </fieldset>
  );
}
