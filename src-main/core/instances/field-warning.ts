// A warning from create or edit, with the field it is about when there is one, so a dialog can
// show it under that field without reading its words. The CLI prints the message alone.

/** The fields a create or edit warning can be about. */
export type WarningField = 'cpus' | 'memory' | 'disk';

export interface FieldWarning {
  field?: WarningField | undefined;
  message: string;
}

/** Warnings that belong to no one field (a template's, a shared folder's). */
export const unplaced = (messages: readonly string[]): FieldWarning[] => messages.map((message) => ({ message }));
